"""The supervision work plan (督促检查工作计划) and its special campaigns (专项督查).

A supervising unit's plan for a year (or a quarter) lists what it will supervise in the
period: each item names ledger matters, how they will be checked, the office responsible,
who leads, the schedule and the visits it may spend. Staff draft the plan, a leader who
did not draft it approves it, and staff publish it to the units it concerns; through the
year staff record each item's progress, and the plan page shows what the items produced
(review rounds, on-site outcomes, circulars, research topics).

A special campaign is a named effort over a window of time, on chosen matters and units,
run by teams; its review rounds draw only from the queue within its matters and units.
"""
