"""One page package per module of the desktop program."""
