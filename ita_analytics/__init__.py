"""ITA Analytics: integrity and transparency assessment scores, analysed."""
