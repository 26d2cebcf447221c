import ToolHostABI
import VLLMCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `th_tool` descriptors, built once from ``ToolCatalog`` and kept for the life of the
/// process (the host may read them until shutdown returns, and never unloads the plugin).
enum ToolTable {
    static var count: Int { ToolCatalog.all.count }

    nonisolated(unsafe) private static let table: UnsafeMutablePointer<th_tool> = {
        let tools = ToolCatalog.all
        let table = UnsafeMutablePointer<th_tool>.allocate(capacity: tools.count)
        for (i, tool) in tools.enumerated() {
            func c(_ s: String?) -> UnsafePointer<CChar>? { s.map { UnsafePointer(strdup($0)!) } }
            table.advanced(by: i).initialize(to: th_tool(
                struct_size: UInt32(MemoryLayout<th_tool>.size),
                flags: 0,
                name: c(tool.name),
                title: c(tool.title),
                description: c(tool.description),
                input_schema_json: c(tool.inputSchema),
                output_schema_json: c(tool.outputSchema),
                annotations_json: c(tool.annotations)))
        }
        return table
    }()

    static func tool(at index: Int) -> UnsafePointer<th_tool>? {
        guard index >= 0, index < count else { return nil }
        return UnsafePointer(table.advanced(by: index))
    }
}
