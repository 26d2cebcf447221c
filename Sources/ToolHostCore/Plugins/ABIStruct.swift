/// The one way the host reads a structure a plugin wrote (include/toolhost.h, "Versioning").
///
/// Every such structure starts with the `struct_size` its writer was compiled with. The host
/// copies the first min(struct_size, its own size) bytes into a zeroed value of its own type:
/// fields the writer's version lacks read as zero/NULL, fields the host does not know are
/// ignored, and no byte past the writer's `struct_size` is touched. Arrays are stepped by
/// their elements' `struct_size`, not by the host's own size.
enum ABIStruct {
    /// The copy of one structure and the size its writer declared.
    struct Copy<T> {
        let value: T
        let declaredSize: Int
    }

    /// Copies the structure at `pointer`.
    /// - Parameter sizeOffset: where `struct_size` sits (4 in `th_plugin`, after the magic;
    ///   0 everywhere else). The bytes up to and including it are read in any case.
    static func read<T>(_ pointer: UnsafeRawPointer, as type: T.Type, sizeOffset: Int = 0) -> Copy<T> {
        let declared = Int(pointer.loadUnaligned(fromByteOffset: sizeOffset, as: UInt32.self))
        let size = MemoryLayout<T>.size
        let value = withUnsafeTemporaryAllocation(byteCount: size, alignment: MemoryLayout<T>.alignment) { storage in
            storage.initializeMemory(as: UInt8.self, repeating: 0)
            storage.baseAddress!.copyMemory(from: pointer, byteCount: min(max(declared, sizeOffset + 4), size))
            return storage.baseAddress!.load(as: T.self)
        }
        return Copy(value: value, declaredSize: declared)
    }

    /// Reads `count` elements of an array whose elements are `T` as their writer compiled it:
    /// the stride is the first element's `struct_size`, and every element must declare the
    /// same size.
    /// - Returns: the copies, or what is wrong with the array (for a problem report).
    static func readArray<T>(_ base: UnsafeRawPointer?, count: Int, as type: T.Type) -> Result<[Copy<T>], ArrayProblem> {
        guard count > 0 else { return .success([]) }
        guard let base else { return .failure(ArrayProblem(index: 0, message: "the array is NULL but its count is \(count)")) }
        let stride = Int(base.loadUnaligned(as: UInt32.self))
        guard stride >= 8, stride % MemoryLayout<UInt32>.alignment == 0 else {
            return .failure(ArrayProblem(index: 0, message: "struct_size is \(stride), not the size of a structure"))
        }
        var copies: [Copy<T>] = []
        copies.reserveCapacity(count)
        for index in 0..<count {
            let element = base + index * stride
            let copy = read(element, as: type)
            guard copy.declaredSize == stride else {
                return .failure(ArrayProblem(
                    index: index,
                    message: "struct_size is \(copy.declaredSize) but the first element's is \(stride); all elements of one array have the same size"))
            }
            copies.append(copy)
        }
        return .success(copies)
    }

    struct ArrayProblem: Error {
        let index: Int
        let message: String
    }

}
