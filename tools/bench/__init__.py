"""`make bench`: the project's hot paths measured against bare baselines in the same run."""
