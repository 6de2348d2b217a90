"""The Activity page without Textual: the filter and period (`filters`), per-day totals
(`totals`), the bounded slice of history the table holds (`window`), counting a period page by
page (`counting`), the page's state as one model (`model`) and its words (`wording`), export to
CSV or JSON (`export`) and how long the credit balance lasts (`runway`)."""
