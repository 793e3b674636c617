"""The leaders' dashboard: figures (``figures``) and the lists behind them (``lists``)."""
