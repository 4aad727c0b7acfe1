"""RQ job functions: thin entry points that take ids and call :mod:`sspkg`."""
