"""Service status: modes, cut-over windows, retired functions and broadcasts.

Reads (the mode in force, retirements, banners) are in `queries.py`, writes (every one
audited) in `services.py`; `middleware.py` applies the mode to each request.
"""
