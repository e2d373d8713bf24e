"""The approximate index: build (``build``), search (``search``), measure (``recall``), open (``index``)."""

# The recall@10 an index is tuned to reach (the nprobe it chooses); here, free of numpy, so that
# the CLI's help can say it without loading the index.
TARGET_RECALL = 0.97
