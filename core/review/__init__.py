"""On-site review (调查复核): rounds planned within a budget, outcomes, rectification, look-backs (回头看)."""
