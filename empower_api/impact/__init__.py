"""Impact: aggregate, consent-filtered, small-cell-suppressed figures for the public."""
