"""The approximate index: build (``build``), search (``search``), measure (``recall``), open (``index``)."""
