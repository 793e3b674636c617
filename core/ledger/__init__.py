"""The supervision ledger (督查台账): matters, tasks, progress reports, deadlines."""
