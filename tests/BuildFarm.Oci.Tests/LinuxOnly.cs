// The tests drive Linux tools (skopeo, umoci, docker-registry) and read Unix file modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
