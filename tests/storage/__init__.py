"""Tests of the stores: the SQLite helper, the response store, the catalogue file, their protocols."""
