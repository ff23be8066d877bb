"""Throughput benchmark of a baked project against ceilings measured in the same run."""
