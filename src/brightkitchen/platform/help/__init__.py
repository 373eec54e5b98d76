"""In-app quick-start guides per role, in zh-CN and en, kept as Markdown files beside this module."""
