"""The generation CLIs and worker pools; the only package that imports the other three."""
