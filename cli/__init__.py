"""The ``go-engine`` command line: thin click commands over the library."""
