"""The one place the version is written: flit reads it into the package's metadata (through
``vecq.__version__``), and ``vecq --version`` prints it without reading that metadata
(``importlib.metadata`` costs 17 ms of a start). A leaf."""

__version__ = "0.3.0.dev0"
