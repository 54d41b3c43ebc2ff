"""The demo: a federation of five nodes on one machine, and the synthetic scenario it loads."""
