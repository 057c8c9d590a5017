"""The synthetic demo store and the seeds' real rows: generator, names, seeds, seed measures, labels."""
