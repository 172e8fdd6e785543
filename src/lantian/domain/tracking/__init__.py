"""Tracking, supervision and closure (调度 / 督办 / 销号): the pure rules of the daily workflow.

- ``model``: people, roles, progress reports, 督办 notices, problem tickets — plain data;
- ``workflow``: which step may follow which (review, the ticket's 发现 → 交办 → 整改 → 核查 → 销号);
- ``access``: who may see and change what (jurisdiction admin, department user, leader);
- ``overdue``: overdue tasks and missing monthly reports from deadlines;
- ``audit``: the hash chain of the audit log and its verification;
- ``evidence``: size and type checks of uploaded evidence files.
"""
