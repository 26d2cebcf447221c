import ToolHostABI
import VLLMCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The plugin's resources (TH_EXT_RESOURCES): the `th_resource` descriptors of
/// ``ResourceCatalog``, built once and kept for the life of the process; no templates. A read
/// runs like a tool call (``PluginInstance/read(_:_:)``).
enum ResourceTable {
    nonisolated(unsafe) private static let resources: UnsafeMutablePointer<th_resource> = {
        let all = ResourceCatalog.all
        let resources = UnsafeMutablePointer<th_resource>.allocate(capacity: all.count)
        for (i, resource) in all.enumerated() {
            func c(_ s: String) -> UnsafePointer<CChar> { UnsafePointer(strdup(s)!) }
            (resources + i).initialize(to: th_resource(
                struct_size: UInt32(MemoryLayout<th_resource>.size), flags: 0,
                uri: c(resource.uri), name: c(resource.name), title: nil, description: c(resource.description),
                mime_type: c(resource.mimeType), size: -1, annotations_json: nil))
        }
        return resources
    }()

    /// The table `get_extension(TH_EXT_RESOURCES)` returns.
    nonisolated(unsafe) static let table: UnsafeMutablePointer<th_resources> = {
        let table = UnsafeMutablePointer<th_resources>.allocate(capacity: 1)
        table.initialize(to: th_resources(
            struct_size: UInt32(MemoryLayout<th_resources>.size), flags: 0,
            resource_count: { _ in UInt32(ResourceCatalog.all.count) },
            resource_at: { _, index in
                Int(index) < ResourceCatalog.all.count ? UnsafePointer(ResourceTable.resources + Int(index)) : nil
            },
            template_count: nil, template_at: nil,
            read: { state, call, request in
                guard let state else { return TH_ERR_INTERNAL }
                return PluginInstance.from(state).read(call, request)
            }))
        return table
    }()
}
