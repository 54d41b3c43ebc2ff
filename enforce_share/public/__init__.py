"""The public list of diversionary actors: what the partners identified publicly, for industry."""
