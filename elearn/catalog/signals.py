"""What the catalog tells other features inside the transaction that changes a course.

Features that keep counters over a course's modules (progress keeps each enrollment's
completed modules and completion time) connect to these in ``create_app``, so the catalog
never imports them and their counters still move in the same transaction as the change.
"""
from blinker import Namespace

_signals = Namespace()

#: ``module_deleting.send(course_id, module_id=...)``: the module is about to be deleted;
#: its progress records still exist.
module_deleting = _signals.signal("module-deleting")

#: ``modules_changed.send(course_id)``: a module was added, deleted or moved, and
#: ``Course.module_count`` and the positions are already the new ones.
modules_changed = _signals.signal("modules-changed")
