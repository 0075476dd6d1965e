"""What the tests and the benchmarks share, and the app does not ship: drawing canvases as the page sends
them, the development sketches, and serving apps on free local ports."""
