"""Exit (退出) and graduation (毕业): triggers, settlement, approval, execution."""
