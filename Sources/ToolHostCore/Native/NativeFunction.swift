import CFFI
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A native function ready to call: its libffi call interface, prepared once at load, and the
/// conversions between JSON and C on either side of `ffi_call`.
final class NativeFunction: @unchecked Sendable {
    let spec: NativeFunctionSpec
    let inputSchema: JSON
    let outputSchema: JSON?
    /// The C arguments: parameters expand (a byte buffer is pointer + length).
    private let argumentTypes: [NativeType]
    private let cif: UnsafeMutablePointer<ffi_cif>
    private let serialLock = Mutex(())
    private static let ffiArgSize = th_ffi_arg_size()

    /// Checks `spec` and prepares its call interface.
    /// - Throws: ``NativeSpecProblem`` naming the declaration's field.
    init(_ spec: NativeFunctionSpec) throws(NativeSpecProblem) {
        try spec.validate()
        self.spec = spec
        inputSchema = spec.inputSchema
        outputSchema = spec.outputSchema
        var types: [NativeType] = []
        for p in spec.parameters {
            switch p.type {
            case .bytes: types += [.bytes, p.lengthType]
            case _ where p.isOut: types.append(.string)  // a pointer
            default: types.append(p.type)
            }
        }
        argumentTypes = types
        // Both arrays live as long as the process: the cif points into them.
        let ffiTypes = UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>.allocate(capacity: max(1, types.count))
        for (i, t) in types.enumerated() { (ffiTypes + i).initialize(to: t.ffiType) }
        cif = .allocate(capacity: 1)
        cif.initialize(to: ffi_cif())
        let status = ffi_prep_cif(cif, th_ffi_default_abi(), UInt32(types.count), spec.returnType.ffiType, ffiTypes)
        guard status == FFI_OK else {
            throw NativeSpecProblem(field: spec.location, reason: "libffi cannot prepare a call interface for \(spec.signature) (ffi_prep_cif status \(status.rawValue))")
        }
    }

    /// What a call produced.
    enum Outcome: Equatable {
        /// The arguments do not fit: the function was not called.
        case invalidArguments(String)
        /// The function reported failure by its error convention.
        case failed(String)
        /// Text for the content block, and the structured result (nil for void without
        /// out-parameters).
        case success(text: String, structured: JSON?)
    }

    /// Converts `arguments`, calls the function and converts what it returned.
    func call(_ arguments: JSON) -> Outcome {
        guard case .object(let object) = arguments else {
            return .invalidArguments("the arguments must be an object")
        }
        let accepted = spec.parameters.filter { !$0.isOut }
        for key in object.keys where !accepted.contains(where: { $0.name == key }) {
            let names = accepted.map(\.name).joined(separator: ", ")
            return .invalidArguments("`\(key)` is not an accepted argument" + (names.isEmpty ? " (the tool takes none)" : " (accepted: \(names))"))
        }
        var values: [NativeValue?] = []
        for p in spec.parameters {
            if p.isOut {
                values.append(nil)
                continue
            }
            guard let given = object[p.name] ?? p.defaultValue else { return .invalidArguments("`\(p.name)` is required") }
            switch NativeConversion.convert(given, for: p) {
            case .success(let value): values.append(value)
            case .failure(let failure): return .invalidArguments("`\(p.name)` \(failure.reason)")
            }
        }
        return invoke(values)
    }

    /// One storage slot per C argument (and per out-parameter's target): 16 bytes, enough for
    /// any scalar or pointer, aligned for all of them.
    private static let slot = 16

    private func invoke(_ values: [NativeValue?]) -> Outcome {
        let count = argumentTypes.count
        let storage = UnsafeMutableRawPointer.allocate(byteCount: Self.slot * max(1, count), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: Self.slot * max(1, count))
        let outStorage = UnsafeMutableRawPointer.allocate(byteCount: Self.slot * max(1, spec.parameters.count), alignment: 16)
        outStorage.initializeMemory(as: UInt8.self, repeating: 0, count: Self.slot * max(1, spec.parameters.count))
        let argumentPointers = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: max(1, count))
        let returnStorage = UnsafeMutableRawPointer.allocate(byteCount: Self.slot, alignment: 16)
        returnStorage.initializeMemory(as: UInt8.self, repeating: 0, count: Self.slot)
        var buffers: [UnsafeMutableRawPointer] = []
        defer {
            for buffer in buffers { buffer.deallocate() }
            storage.deallocate()
            outStorage.deallocate()
            argumentPointers.deallocate()
            returnStorage.deallocate()
        }

        var c = 0
        for (index, p) in spec.parameters.enumerated() {
            let slot = storage + c * Self.slot
            argumentPointers[c] = slot
            if p.isOut {
                slot.storeBytes(of: outStorage + index * Self.slot, as: UnsafeMutableRawPointer.self)
                c += 1
                continue
            }
            switch values[index]! {
            case .bytes(let bytes):
                // Strings get their NUL; buffers get one too, harmlessly, so that an empty
                // buffer still has a valid, non-NULL address.
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes.count + 1, alignment: 1)
                buffers.append(buffer)
                if !bytes.isEmpty { bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) } }
                buffer.storeBytes(of: 0, toByteOffset: bytes.count, as: UInt8.self)
                slot.storeBytes(of: buffer, as: UnsafeMutableRawPointer.self)
                if p.type == .bytes {
                    c += 1
                    let lengthSlot = storage + c * Self.slot
                    argumentPointers[c] = lengthSlot
                    guard Self.store(.integer(Int128(bytes.count)), as: p.lengthType, at: lengthSlot) else {
                        return .invalidArguments("`\(p.name)` is \(bytes.count) bytes long, more than its length type \(p.lengthType.cName) can hold")
                    }
                }
            case let value:
                guard Self.store(value, as: p.type, at: slot) else {
                    return .invalidArguments("`\(p.name)` does not fit \(p.cName)")
                }
            }
            c += 1
        }

        let function = unsafeBitCast(spec.address, to: (@convention(c) () -> Void).self)
        let callError: Int32
        if spec.serial {
            callError = serialLock.withLock { _ in th_ffi_call_errno(cif, function, returnStorage, argumentPointers) }
        } else {
            callError = th_ffi_call_errno(cif, function, returnStorage, argumentPointers)
        }

        let returned = readReturn(returnStorage)
        // A returned string was copied by readReturn; an owned one is freed now, exactly once,
        // whatever the error convention makes of the call.
        if case .string(let pointer?, _) = returned, let free = spec.freeResult { free(pointer) }
        return finish(returned, callError: callError, outStorage: outStorage)
    }

    /// A return value as read from libffi's return storage; strings are copied at once.
    private enum Returned {
        case void
        case value(NativeValue, json: JSON)
        case nonFinite(String)
        case string(UnsafeMutableRawPointer?, copy: String?)
    }

    private func readReturn(_ storage: UnsafeMutableRawPointer) -> Returned {
        let type = spec.returnType
        switch type {
        case .void: return .void
        case .string:
            let pointer = storage.load(as: UnsafeMutableRawPointer?.self)
            return .string(pointer, copy: pointer.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) })
        case .float:
            let v = storage.load(as: Float.self)
            return v.isFinite ? .value(.float(v), json: .number(JSONNumber(literal: NativeConversion.text(of: v)))) : .nonFinite(NativeConversion.text(of: v))
        case .double:
            let v = storage.load(as: Double.self)
            return v.isFinite ? .value(.double(v), json: .number(JSONNumber(literal: NativeConversion.text(of: v)))) : .nonFinite(NativeConversion.text(of: v))
        default:
            // libffi widens integer returns narrower than a register to a full ffi_arg.
            let raw = Self.load(storage, bytes: max(type.byteSize, Self.ffiArgSize))
            let value = Self.integer(raw, as: type)
            if type == .bool { return .value(.bool(value != 0), json: .bool(value != 0)) }
            return .value(.integer(value), json: .number(JSONNumber(literal: String(value))))
        }
    }

    /// An unsigned integer of `bytes` bytes at `slot`.
    private static func load(_ slot: UnsafeMutableRawPointer, bytes: Int) -> UInt64 {
        switch bytes {
        case 1: UInt64(slot.load(as: UInt8.self))
        case 2: UInt64(slot.load(as: UInt16.self))
        case 4: UInt64(slot.load(as: UInt32.self))
        default: slot.load(as: UInt64.self)
        }
    }

    /// The low `type.byteSize` bytes of `raw`, read as `type`.
    private static func integer(_ raw: UInt64, as type: NativeType) -> Int128 {
        switch type {
        case .bool, .uint8: Int128(UInt8(truncatingIfNeeded: raw))
        case .int8: Int128(Int8(truncatingIfNeeded: raw))
        case .int16: Int128(Int16(truncatingIfNeeded: raw))
        case .uint16: Int128(UInt16(truncatingIfNeeded: raw))
        case .int32: Int128(Int32(truncatingIfNeeded: raw))
        case .uint32: Int128(UInt32(truncatingIfNeeded: raw))
        case .int64: Int128(Int64(bitPattern: raw))
        default: Int128(raw)
        }
    }

    /// Writes a converted value into a slot as `type`.
    /// - Returns: false when it does not fit (never after a successful conversion).
    private static func store(_ value: NativeValue, as type: NativeType, at slot: UnsafeMutableRawPointer) -> Bool {
        switch (value, type) {
        case (.bool(let b), .bool): slot.storeBytes(of: b ? 1 : 0, as: UInt8.self)
        case (.double(let d), .double): slot.storeBytes(of: d, as: Double.self)
        case (.float(let f), .float): slot.storeBytes(of: f, as: Float.self)
        case (.integer(let v), _):
            guard let range = type.integerRange, range.contains(v) else { return false }
            switch type {
            case .int8: slot.storeBytes(of: Int8(v), as: Int8.self)
            case .int16: slot.storeBytes(of: Int16(v), as: Int16.self)
            case .int32: slot.storeBytes(of: Int32(v), as: Int32.self)
            case .int64: slot.storeBytes(of: Int64(v), as: Int64.self)
            case .uint8: slot.storeBytes(of: UInt8(v), as: UInt8.self)
            case .uint16: slot.storeBytes(of: UInt16(v), as: UInt16.self)
            case .uint32: slot.storeBytes(of: UInt32(v), as: UInt32.self)
            case .uint64: slot.storeBytes(of: UInt64(v), as: UInt64.self)
            default: return false
            }
        default: return false
        }
        return true
    }

    /// An out-parameter's value after the call, as JSON.
    private static func readOut(_ slot: UnsafeMutableRawPointer, as type: NativeType) -> JSON {
        switch type {
        case .bool: return .bool(slot.load(as: UInt8.self) != 0)
        case .float:
            let v = slot.load(as: Float.self)
            return v.isFinite ? .number(JSONNumber(literal: NativeConversion.text(of: v))) : .null
        case .double:
            let v = slot.load(as: Double.self)
            return v.isFinite ? .number(JSONNumber(literal: NativeConversion.text(of: v))) : .null
        default:
            return .number(JSONNumber(literal: String(integer(load(slot, bytes: type.byteSize), as: type))))
        }
    }

    /// A negative return as text; one that reads as a negated errno (`return -ERANGE;`, the
    /// kernel's convention) also says what that errno means. -1 is left alone: it is the
    /// usual plain "failed" (with errno, if any, reported beside it).
    static func describeNegative(_ value: Int128, errno callError: Int32) -> String {
        guard callError == 0, let code = Int32(exactly: -value), code > 1, code < 4096 else { return String(value) }
        let meaning = String(cString: strerror(code))
        guard !meaning.hasPrefix("Unknown error") else { return String(value) }
        return "\(value) (as a negated errno: \(meaning), errno \(code))"
    }

    private func finish(_ returned: Returned, callError: Int32, outStorage: UnsafeMutableRawPointer) -> Outcome {
        // The error convention first: on failure nothing else is reported.
        var failedWith: String?
        switch (spec.errors, returned) {
        case (.errno, _) where callError != 0: failedWith = ""
        case (.nonzero, .value(let v, _)) where v != .integer(0) && v != .bool(false): failedWith = v.text
        case (.negative, .value(.integer(let v), _)) where v < 0: failedWith = Self.describeNegative(v, errno: callError)
        case (.null, .string(nil, _)): failedWith = "NULL"
        case (.false, .value(.bool(false), _)): failedWith = "false"
        default: break
        }
        if let failedWith {
            var message = "\(spec.symbol) failed"
            if !failedWith.isEmpty { message += ": it returned \(failedWith)" }
            if callError != 0 {
                message += failedWith.isEmpty ? ": " : "; "
                message += "\(String(cString: strerror(callError))) (errno \(callError))"
            }
            return .failed(message + ".")
        }

        var structured = JSONObject()
        var text: String?
        switch returned {
        case .void: break
        case .value(_, let json):
            structured["result"] = json
            text = JSONWriter.string(json)
        case .nonFinite(let name):
            structured["result"] = .null
            text = name
        case .string(_, let copy):
            structured["result"] = copy.map(JSON.string) ?? .null
            text = copy ?? "null"
        }
        let outs = spec.parameters.enumerated().filter { $0.element.isOut }
        for (index, p) in outs {
            structured[p.name] = Self.readOut(outStorage + index * Self.slot, as: p.type)
        }
        if structured.isEmpty { return .success(text: "done", structured: nil) }
        if !outs.isEmpty || text == nil { text = JSONWriter.string(.object(structured)) }
        return .success(text: text!, structured: .object(structured))
    }
}
