import ToolHostJSON

/// The settings of the server-control tools (`start_vllm` … `run_benchmark`): the Python
/// vllm-mcp-server's `VLLM_*` variables of the same names, plus the `process` runtime's command.
/// They arrive through ``VLLMConfiguration`` like every other setting (`VLLM_DOCKER_IMAGE` →
/// `docker_image`). The Hugging Face token is never part of any message.
package struct LifecycleSettings: Sendable, Equatable {
    /// `docker`, `podman`, `process`, or nil: auto-detect (Podman first, then Docker).
    package var containerRuntime: RuntimePreference = .auto
    package var dockerImage = "vllm/vllm-openai:0.11.0"
    package var dockerImageMacOS = "quay.io/rh_ee_micyang/vllm-mac:v0.11.0"
    package var dockerImageCPU = "quay.io/rh_ee_micyang/vllm-cpu:v0.11.0"
    /// The name a call uses when it gives no `container_name`.
    package var containerName = "vllm-server"
    package var gpuMemoryUtilization = 0.9
    /// Passed to the server as `HF_TOKEN` (through the environment, never on a command line).
    package var hfToken: String?
    /// The `process` runtime's command: the model and the flags follow it.
    package var serveCommand = "vllm serve"
    /// Seconds `start_vllm` and `restart_vllm` wait for `/health` by default.
    package var startTimeout: Double = 900
    /// The GuideLLM command `run_benchmark` runs.
    package var guidellmCommand = "guidellm"

    package enum RuntimePreference: String, Sendable, Equatable {
        case auto, podman, docker, process
    }

    package init() {}

    /// Takes `key` when it is one of these settings.
    /// - Returns: false when the key is not one of them.
    mutating func read(_ key: String, _ value: JSON) throws(ConfigurationError) -> Bool {
        // The readers of the connection settings, so both kinds of setting take the same forms.
        func text() throws(ConfigurationError) -> String? {
            guard let s = try VLLMConfiguration.string(key, value)?.trimmingSpaces(), !s.isEmpty else { return nil }
            return s
        }
        func number() throws(ConfigurationError) -> Double? { try VLLMConfiguration.number(key, value) }
        switch key {
        case "container_runtime":
            guard let name = try text() else { containerRuntime = .auto; return true }
            guard let preference = RuntimePreference(rawValue: name.lowercased()) else {
                throw ConfigurationError.invalid(key, value, "podman, docker, process or auto")
            }
            containerRuntime = preference
        case "docker_image": if let t = try text() { dockerImage = t }
        case "docker_image_macos": if let t = try text() { dockerImageMacOS = t }
        case "docker_image_cpu": if let t = try text() { dockerImageCPU = t }
        case "container_name":
            guard let name = try text() else { return true }
            guard ServerName.isValid(name) else { throw ConfigurationError.invalid(key, value, ServerName.rule) }
            containerName = name
        case "gpu_memory_utilization":
            guard let n = try number() else { return true }
            guard n > 0, n <= 1 else { throw ConfigurationError.invalid(key, value, "a fraction above 0 and at most 1") }
            gpuMemoryUtilization = n
        case "hf_token":
            // Never echo this one, not even in an error.
            switch value {
            case .string(let s): hfToken = s.isEmpty ? nil : s
            case .null: hfToken = nil
            default: throw ConfigurationError("hf_token (VLLM_HF_TOKEN) must be a string")
            }
        case "serve_command":
            guard let t = try text() else { return true }
            guard (try? CommandLineWords.split(t))?.isEmpty == false else {
                throw ConfigurationError.invalid(key, value, "a command such as \"vllm serve\" (quotes must be closed)")
            }
            serveCommand = t
        case "start_timeout":
            guard let n = try number() else { return true }
            guard n > 0 else { throw ConfigurationError.invalid(key, value, "a number of seconds above 0") }
            startTimeout = n
        case "guidellm_command":
            guard let t = try text() else { return true }
            guard (try? CommandLineWords.split(t))?.isEmpty == false else {
                throw ConfigurationError.invalid(key, value, "a command such as \"guidellm\" (quotes must be closed)")
            }
            guidellmCommand = t
        default:
            return false
        }
        return true
    }
}

/// The names servers are known by: a container's name, and the `process` runtime's state file.
package enum ServerName {
    static let rule = "a name of letters, digits, `_`, `.` and `-` that starts with a letter or digit (at most 128 characters)"

    package static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 128 else { return false }
        func plain(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c)) }
        return plain(first) && name.unicodeScalars.allSatisfy { plain($0) || $0 == "_" || $0 == "." || $0 == "-" }
    }
}

/// Splits a command written as one string (`VLLM_SERVE_COMMAND`) into words as a shell would
/// for plain words, single and double quotes and backslashes; nothing is expanded.
package enum CommandLineWords {
    package struct UnclosedQuote: Error {}

    package static func split(_ text: String) throws(UnclosedQuote) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in text {
            if escaped {
                word.append(c)
                escaped = false
                continue
            }
            if let q = quote {
                if c == q {
                    quote = nil
                } else if c == "\\" && q == "\"" {
                    escaped = true
                } else {
                    word.append(c)
                }
                continue
            }
            switch c {
            case "'", "\"":
                quote = c
                inWord = true
            case "\\":
                escaped = true
                inWord = true
            case _ where c.isWhitespace:
                if inWord { words.append(word) }
                word = ""
                inWord = false
            default:
                word.append(c)
                inWord = true
            }
        }
        guard quote == nil, !escaped else { throw UnclosedQuote() }
        if inWord { words.append(word) }
        return words
    }

    /// The words as a person could paste them into a shell.
    package static func join(_ words: [String]) -> String {
        words.map { word in
            let plain = !word.isEmpty && word.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_./=:,@%+".unicodeScalars.contains($0))
            }
            return plain ? word : "'" + word.replacing("'", with: #"'\''"#) + "'"
        }.joined(separator: " ")
    }
}
