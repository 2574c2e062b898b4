"""One synthetic learner's walk through a course, shared by ``seed-demo`` and ``generate``.

A learner works through the modules in order and may give up before each one (more
likely at the course's hard module); one who has not finished is either still at it
(recent activity) or stalled a while ago; completions fall at random moments between
enrolling and their last step, each module started some minutes to hours before it is
completed; and an unfinished learner may leave the next module started.

Times are Unix seconds, so the bulk generator writes them as they are and the demo turns
them into datetimes. Every draw comes from the caller's ``random.Random``: the same seed
gives the same learners.
"""
import random
from dataclasses import dataclass

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


@dataclass(frozen=True)
class Step:
    """The learner's record of one module: ``module`` is its index in course order."""

    module: int
    started: int
    completed: int | None


def modules_reached(rng: random.Random, module_count: int, keep_going: float, hard_module: int | None = None,
                    hard_factor: float = 0.5) -> int:
    """How many modules, from the first, the learner completes: before each they go on
    with chance ``keep_going`` (times ``hard_factor`` at ``hard_module``)."""
    done = 0
    while done < module_count:
        chance = keep_going * hard_factor if done == hard_module else keep_going
        if rng.random() >= chance:
            break
        done += 1
    return done


def last_step(rng: random.Random, enrolled: int, now: int, finished: bool, still_active: float = 0.5) -> int:
    """When the learner last moved: in the last few days if they finished or (with chance
    ``still_active``) are still at it; otherwise somewhere early in their time enrolled."""
    span = now - enrolled
    if finished or rng.random() < still_active:
        return now - min(span // 2, int(rng.random() * 4 * DAY))
    return enrolled + int(span * rng.uniform(0.05, 0.7))


def timeline(rng: random.Random, module_count: int, done: int, start: int, end: int, now: int,
             leave_started: bool) -> list[Step]:
    """The first ``done`` modules completed between ``start`` and ``end`` in course order,
    each started 10 minutes to 8 hours before (not before ``start``); with
    ``leave_started``, the next module started within two days of the last step."""
    completions = sorted(start + int(rng.random() * max(end - start, 0)) for _ in range(done))
    steps = [Step(index, max(start, completed - 10 * MINUTE - int(rng.random() * 8 * HOUR)), completed)
             for index, completed in enumerate(completions)]
    if leave_started and done < module_count:
        since = completions[-1] if completions else start
        steps.append(Step(done, since + int(rng.random() * max(0, min(2 * DAY, now - since))), None))
    return steps


def walk(rng: random.Random, module_count: int, enrolled: int, now: int, *, keep_going: float,
         hard_module: int | None = None, hard_factor: float = 0.5, still_active: float = 0.5,
         leave_started: float = 0.5) -> list[Step]:
    """One learner's records in one course, in time order (see the module docstring)."""
    done = modules_reached(rng, module_count, keep_going, hard_module, hard_factor)
    finished = done == module_count
    end = last_step(rng, enrolled, now, finished, still_active)
    return timeline(rng, module_count, done, enrolled, end, now, not finished and rng.random() < leave_started)
