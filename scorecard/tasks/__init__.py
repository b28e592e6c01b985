"""The tasks and jobs of each feature, one module per feature; `scorecard.jobs.init_app`
imports every module here, so web and worker processes know the same tasks."""
