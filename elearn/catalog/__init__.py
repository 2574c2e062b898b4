"""Courses, their ordered modules and contents, and the lookup tables behind them."""
