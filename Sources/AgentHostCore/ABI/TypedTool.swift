import CAgentHost
import CFFI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One typed tool of a loaded plugin: called through libffi when the plugin
/// runs in this process (the call interface is prepared once at load; a call
/// only fills argument slots), or forwarded to the plugin's child.
public final class TypedTool: @unchecked Sendable {
    // @unchecked: after init, `cif` and `argumentTypes` are only read, and
    // libffi's ffi_call does not write to a prepared cif.

    /// Who carries out a call.
    enum Invoker: Sendable {
        case native(function: ah_tool_fn, gate: CallGate,
                    releaseString: (@convention(c) (UnsafeMutablePointer<CChar>?) -> Void)?)
        case isolated(IsolatedPlugin)
    }

    public let pluginID: String
    public let name: String
    public let signature: ToolSignature
    public let allowedStates: AgentStateSet
    public let summary: String

    private let invoker: Invoker
    private let cif: UnsafeMutablePointer<ffi_cif>
    private let argumentTypes: UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>

    init(pluginID: String, name: String, signature: ToolSignature, allowedStates: AgentStateSet, summary: String,
         invoker: Invoker) throws(ToolSignatureError) {
        self.pluginID = pluginID
        self.name = name
        self.signature = signature
        self.allowedStates = allowedStates
        self.summary = summary
        self.invoker = invoker
        cif = .allocate(capacity: 1)
        argumentTypes = .allocate(capacity: max(signature.parameters.count, 1))
        for (index, type) in signature.parameters.enumerated() {
            argumentTypes[index] = Self.ffiType(type)
        }
        let status = ffi_prep_cif(cif, cffi_default_abi(), UInt32(signature.parameters.count),
                                  signature.result.map(Self.ffiType) ?? cffi_type_void(), argumentTypes)
        guard status == FFI_OK else {
            cif.deallocate()
            argumentTypes.deallocate()
            throw ToolSignatureError(signature: signature.description, problem: "libffi cannot prepare this call (status \(status.rawValue))")
        }
    }

    deinit {
        cif.deallocate()
        argumentTypes.deallocate()
    }

    /// Refuses a call in a state that masks the tool: the one mask check of
    /// typed tools, made before anyone is asked to approve a call, before
    /// the guardrails look at its arguments, and at the call itself.
    func checkUnmasked(in state: AgentState) throws(ToolCallError) {
        guard allowedStates.contains(state) else { throw .masked(tool: name, state: state, allowed: allowedStates) }
    }

    /// Calls the tool with `arguments`, which must match its signature, for an
    /// agent in `state`. A tool masked in that state is not called.
    public func call(_ arguments: [ToolValue], in state: AgentState) throws(ToolCallError) -> ToolValue {
        try call(arguments, in: state, within: nil)
    }

    /// `within` is the agent call the tool is called from (through the
    /// `call_tool` service), whose thread already holds the plugin's gate, or
    /// whose child process is the one to run it; nil for a call from outside.
    func call(_ arguments: [ToolValue], in state: AgentState, within call: ActiveCall?) throws(ToolCallError) -> ToolValue {
        try checkUnmasked(in: state)
        let parameters = signature.parameters
        guard arguments.count == parameters.count else {
            throw .argumentCount(tool: name, expected: parameters.count, got: arguments.count)
        }
        for (index, (type, argument)) in zip(parameters, arguments).enumerated() {
            switch (type, argument) {
            case (.i32, .i32), (.i64, .i64), (.i64, .i32), (.f64, .f64), (.bool, .bool): continue
            case (.str, .str(let text)): if text.utf8.contains(0) { throw .embeddedNUL(tool: name, index: index) }
            default: throw .argumentType(tool: name, index: index, expected: type, got: argument.type?.rawValue ?? "void")
            }
        }
        let function: ah_tool_fn, gate: CallGate
        let releaseString: (@convention(c) (UnsafeMutablePointer<CChar>?) -> Void)?
        switch invoker {
        case .isolated(let plugin):
            return try plugin.callTool(self, arguments: arguments, within: call)
        case .native(let nativeFunction, let nativeGate, let release):
            (function, gate, releaseString) = (nativeFunction, nativeGate, release)
        }
        let gated = call == nil
        // One 8-byte slot per argument holds every scalar and a C string pointer.
        return try withUnsafeTemporaryAllocation(of: UInt64.self, capacity: max(parameters.count, 1)) { slots throws(ToolCallError) in
            try withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer?.self, capacity: max(parameters.count, 1)) { pointers throws(ToolCallError) in
                var ownedStrings: [UnsafeMutablePointer<CChar>] = []
                defer { ownedStrings.forEach { free($0) } }
                for index in parameters.indices {
                    let slot = UnsafeMutableRawPointer(slots.baseAddress! + index)
                    pointers[index] = slot
                    switch (parameters[index], arguments[index]) {
                    case (.i32, .i32(let v)): slot.storeBytes(of: v, as: Int32.self)
                    case (.i64, .i64(let v)): slot.storeBytes(of: v, as: Int64.self)
                    case (.i64, .i32(let v)): slot.storeBytes(of: Int64(v), as: Int64.self)
                    case (.f64, .f64(let v)): slot.storeBytes(of: v, as: Double.self)
                    case (.bool, .bool(let v)): slot.storeBytes(of: v ? 1 : 0, as: UInt8.self)
                    case (.str, .str(let v)):
                        let copy = strdup(v)!
                        ownedStrings.append(copy)
                        slot.storeBytes(of: UnsafeRawPointer(copy), as: UnsafeRawPointer.self)
                    case (let expected, let got):
                        throw .argumentType(tool: name, index: index, expected: expected, got: got.type?.rawValue ?? "void")
                    }
                }
                var result: UInt64 = 0  // at least sizeof(ffi_arg), as libffi requires for small integers
                if gated {
                    gate.enter { ffi_call(cif, function, &result, pointers.baseAddress) }
                } else {
                    ffi_call(cif, function, &result, pointers.baseAddress)
                }
                return try decode(result, gated: gated, gate: gate, releaseString: releaseString)
            }
        }
    }

    private func decode(_ raw: UInt64, gated: Bool, gate: CallGate,
                        releaseString: (@convention(c) (UnsafeMutablePointer<CChar>?) -> Void)?) throws(ToolCallError) -> ToolValue {
        switch signature.result {
        case nil: return .void
        case .i32: return .i32(Int32(truncatingIfNeeded: raw))
        case .i64: return .i64(Int64(bitPattern: raw))
        case .f64: return .f64(Double(bitPattern: raw))
        case .bool: return .bool(UInt8(truncatingIfNeeded: raw) != 0)
        case .str:
            guard let pointer = UnsafeMutablePointer<CChar>(bitPattern: UInt(raw)) else { throw .nullResult(tool: name) }
            let text = String(cString: pointer)
            if let releaseString {
                if gated { gate.enter { releaseString(pointer) } } else { releaseString(pointer) }
            }
            return .str(text)
        }
    }

    private static func ffiType(_ type: ToolSignature.ValueType) -> UnsafeMutablePointer<ffi_type> {
        switch type {
        case .i32: cffi_type_sint32()
        case .i64: cffi_type_sint64()
        case .f64: cffi_type_double()
        case .bool: cffi_type_uint8()
        case .str: cffi_type_pointer()
        }
    }
}
