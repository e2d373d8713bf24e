"""What a model name or path means, and how its vectors are read or downloaded into the cache."""
