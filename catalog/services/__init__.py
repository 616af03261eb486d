"""Every catalog write. The API, the admin, the demo loader and tests all call these functions."""
