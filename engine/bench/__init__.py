"""Speed measurements of the engine (numpy and numba only): random playouts and the rollout search.

Each module returns a plain report dict (``*_report`` / ``run_bench``) and formats it as the lines
``go-engine bench ...`` prints (``format_*``); the ``cli`` commands only parse options and echo.
"""
