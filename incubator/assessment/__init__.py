"""Annual performance assessment (年度绩效考核): schemes, campaigns, filings, scores, grades, appeals."""
