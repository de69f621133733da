"""The report card.

recon    -- held-out reconstruction accuracy, KL, velocity/timing error
metrics  -- Yang & Lerch (2018) features and set overlaps
baseline -- the random-notes baseline a model must beat
report   -- the Report value, its verdict and markdown
evaluate -- report_for_training, evaluate, write_report
"""
