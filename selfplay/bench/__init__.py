"""Speed measurements that need torch: nets, training, Lee nets, pattern rollouts, the GTP player.

Each module returns a plain report dict (``*_report``) and formats it as the lines
``go-engine bench ...`` prints (``format_*``); the ``cli`` commands only parse options and echo.
"""
