"""Meles's stand-in for DaCHS's `gavo` package: the names RD code written for DaCHS imports
(`from gavo import api`, `base`, `utils`, `svcs`, `rscdef`, `stc`), implemented by Meles.
Only what RD code uses is here; see docs/python.md for the list."""
