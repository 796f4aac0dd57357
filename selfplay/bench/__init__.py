"""Speed measurements that need torch: network evaluations and training, Lee nets, pattern rollouts.

Each module returns a plain report dict (``*_report``) and formats it as the lines
``go-engine bench ...`` prints (``format_*``); the ``cli`` commands only parse options and echo.
"""
