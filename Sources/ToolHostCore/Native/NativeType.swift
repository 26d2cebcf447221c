import CFFI
import ToolHostABI

/// A C type a native function tool can take or return (`th_native_type` of include/toolhost.h,
/// or a type name of a manifest).
///
/// `size_t` and the platform-sized C names of manifests (`int`, `long`, …) are resolved to the
/// fixed-width case of this platform when they are read; ``NativeParameter/cName`` keeps the
/// name the author wrote, for `toolhost check`.
enum NativeType: Sendable, Equatable {
    case void
    case bool
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case float, double
    case string
    case bytes

    /// The case for a `th_native_type` value of the header, or nil for an unknown one.
    init?(abi value: UInt32) {
        switch value {
        case UInt32(TH_TYPE_VOID): self = .void
        case UInt32(TH_TYPE_BOOL): self = .bool
        case UInt32(TH_TYPE_INT8): self = .int8
        case UInt32(TH_TYPE_INT16): self = .int16
        case UInt32(TH_TYPE_INT32): self = .int32
        case UInt32(TH_TYPE_INT64): self = .int64
        case UInt32(TH_TYPE_UINT8): self = .uint8
        case UInt32(TH_TYPE_UINT16): self = .uint16
        case UInt32(TH_TYPE_UINT32): self = .uint32
        case UInt32(TH_TYPE_UINT64): self = .uint64
        case UInt32(TH_TYPE_FLOAT): self = .float
        case UInt32(TH_TYPE_DOUBLE): self = .double
        case UInt32(TH_TYPE_SIZE): self = Self.size
        case UInt32(TH_TYPE_STRING): self = .string
        case UInt32(TH_TYPE_BYTES): self = .bytes
        default: return nil
        }
    }

    /// `size_t` on this platform.
    static var size: NativeType { MemoryLayout<Int>.size == 8 ? .uint64 : .uint32 }

    /// The type a manifest names, with the C spellings a header would use. Platform-sized C
    /// types resolve to their width here (LP64 on 64-bit Linux: `long` is 64 bits).
    static func named(_ name: String) -> NativeType? {
        let long: NativeType = MemoryLayout<CLong>.size == 8 ? .int64 : .int32
        let ulong: NativeType = MemoryLayout<CUnsignedLong>.size == 8 ? .uint64 : .uint32
        let collapsed = name.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        switch collapsed {
        case "void": return .void
        case "bool", "_Bool": return .bool
        case "int8", "int8_t", "signed char": return .int8
        case "int16", "int16_t", "short", "signed short", "short int": return .int16
        case "int32", "int32_t", "int", "signed", "signed int": return .int32
        case "int64", "int64_t", "long long", "signed long long", "long long int": return .int64
        case "uint8", "uint8_t", "unsigned char": return .uint8
        case "uint16", "uint16_t", "unsigned short", "unsigned short int": return .uint16
        case "uint32", "uint32_t", "unsigned", "unsigned int": return .uint32
        case "uint64", "uint64_t", "unsigned long long", "unsigned long long int": return .uint64
        case "long", "signed long", "long int", "ssize_t", "ptrdiff_t", "intptr_t", "off_t": return long
        case "unsigned long", "unsigned long int", "size_t", "uintptr_t": return ulong
        case "float": return .float
        case "double": return .double
        case "string", "const char *", "const char*", "char *", "char*": return .string
        case "bytes": return .bytes
        default: return nil
        }
    }

    /// The header's name of the type, as `toolhost check` prints signatures.
    var cName: String {
        switch self {
        case .void: "void"
        case .bool: "bool"
        case .int8: "int8_t"
        case .int16: "int16_t"
        case .int32: "int32_t"
        case .int64: "int64_t"
        case .uint8: "uint8_t"
        case .uint16: "uint16_t"
        case .uint32: "uint32_t"
        case .uint64: "uint64_t"
        case .float: "float"
        case .double: "double"
        case .string: "const char *"
        case .bytes: "const void *"
        }
    }

    /// How a signature shows a type a manifest wrote as `written`: C spellings as written
    /// (`unsigned long`), the manifest's short names as the header's (`int16` → `int16_t`).
    func displayName(written: String) -> String {
        let short: Set<String> = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "string", "bytes"]
        if self == .string || short.contains(written) { return cName }
        return written.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    var isInteger: Bool { integerRange != nil }
    var isSignedInteger: Bool { self == .int8 || self == .int16 || self == .int32 || self == .int64 }
    var isFloatingPoint: Bool { self == .float || self == .double }
    /// A value that fits in one storage slot and can be an out-parameter.
    var isScalar: Bool { isInteger || isFloatingPoint || self == .bool }
    /// 64-bit integers, which also accept decimal strings.
    var isWide: Bool { self == .int64 || self == .uint64 }

    /// The exact range of an integer type; nil for the others.
    var integerRange: ClosedRange<Int128>? {
        switch self {
        case .int8: Int128(Int8.min)...Int128(Int8.max)
        case .int16: Int128(Int16.min)...Int128(Int16.max)
        case .int32: Int128(Int32.min)...Int128(Int32.max)
        case .int64: Int128(Int64.min)...Int128(Int64.max)
        case .uint8: 0...Int128(UInt8.max)
        case .uint16: 0...Int128(UInt16.max)
        case .uint32: 0...Int128(UInt32.max)
        case .uint64: 0...Int128(UInt64.max)
        default: nil
        }
    }

    /// Bytes of the C value (scalars and pointers).
    var byteSize: Int {
        switch self {
        case .void: 0
        case .bool, .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float: 4
        case .int64, .uint64, .double: 8
        case .string, .bytes: MemoryLayout<UnsafeRawPointer>.size
        }
    }

    /// libffi's descriptor of the type (pointers for strings and buffers).
    var ffiType: UnsafeMutablePointer<ffi_type> {
        switch self {
        case .void: th_ffi_type_void()
        // C99 bool is one byte on every platform toolhost runs on.
        case .bool, .uint8: th_ffi_type_uint8()
        case .int8: th_ffi_type_sint8()
        case .int16: th_ffi_type_sint16()
        case .uint16: th_ffi_type_uint16()
        case .int32: th_ffi_type_sint32()
        case .uint32: th_ffi_type_uint32()
        case .int64: th_ffi_type_sint64()
        case .uint64: th_ffi_type_uint64()
        case .float: th_ffi_type_float()
        case .double: th_ffi_type_double()
        case .string, .bytes: th_ffi_type_pointer()
        }
    }

    /// The JSON Schema of a value of this type, as the client gives it (parameters).
    var inputSchema: JSONObject {
        if let range = integerRange {
            var schema: JSONObject = [
                "type": isWide ? ["integer", "string"] : "integer",
                "minimum": .number(JSONNumber(literal: String(range.lowerBound))),
                "maximum": .number(JSONNumber(literal: String(range.upperBound))),
            ]
            if isWide {
                // JSON numbers lose precision past 2^53 in most clients: a decimal string
                // carries a 64-bit value exactly. Its range is checked when it is converted.
                schema["pattern"] = .string(self == .int64 ? "^-?[0-9]{1,19}$" : "^[0-9]{1,20}$")
            }
            return schema
        }
        switch self {
        case .bool: return ["type": "boolean"]
        case .float: return ["type": "number", "minimum": .number(Self.floatMax.negated), "maximum": .number(Self.floatMax)]
        case .double: return ["type": "number"]
        case .string, .bytes: return ["type": "string"]
        default: return [:]
        }
    }

    /// The JSON Schema of a returned value (or out-parameter).
    var outputSchema: JSONObject {
        switch self {
        case .bool: return ["type": "boolean"]
        case .float, .double:
            // NaN and infinities have no JSON number: they come back as null (the text says which).
            return ["type": ["number", "null"]]
        case .string: return ["type": ["string", "null"]]
        default:
            if let range = integerRange {
                return [
                    "type": "integer",
                    "minimum": .number(JSONNumber(literal: String(range.lowerBound))),
                    "maximum": .number(JSONNumber(literal: String(range.upperBound))),
                ]
            }
            return [:]
        }
    }

    /// FLT_MAX as a JSON number: the largest finite float.
    static let floatMax = JSONNumber(literal: "3.4028234663852886e38")
}

extension JSONNumber {
    /// The same number with the opposite sign.
    var negated: JSONNumber {
        text.hasPrefix("-") ? JSONNumber(literal: String(text.dropFirst())) : JSONNumber(literal: "-" + text)
    }
}
