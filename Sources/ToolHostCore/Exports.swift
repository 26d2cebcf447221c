// JSON is its own target so that plugins and test support can use the same implementation
// without linking the host; the host's users get it through `import ToolHostCore`.
@_exported import ToolHostJSON
