using static BuildFarm.Testing.FileTrees.FileTreeEntry;

namespace BuildFarm.Execution.Tests.BuildKit.Cases;

/// <summary>
/// The cases ported from BuildKit's Dockerfile integration tests (frontend/dockerfile/*_test.go at
/// the commit NOTICE.md names). Each one's Dockerfile and context are in TestData/&lt;Data&gt;;
/// README.md in this folder's parent lists every test considered, ported or not, and why.
/// </summary>
public static class BuildKitCases
{
    private const string Heredoc = "dockerfile_heredoc_test.go";
    private const string Core = "dockerfile_core_test.go";
    private const string Copy = "dockerfile_copy_test.go";
    private const string Mount = "dockerfile_mount_test.go";
    private const string Network = "dockerfile_runnetwork_test.go";
    private const string Args = "dockerfile_args_test.go";
    private const string Cmd = "dockerfile_cmd_test.go";
    private const string Workdir = "dockerfile_workdir_test.go";
    private const string Multistage = "dockerfile_multistage_test.go";
    private const string Dockerignore = "dockerfile_dockerignore_test.go";
    private const string Add = "dockerfile_add_test.go";
    private const string Onbuild = "dockerfile_onbuild_test.go";

    private const string BusyboxPath = "[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"]";

    public static readonly IReadOnlyList<BuildKitCase> All =
    [
        // dockerfile_heredoc_test.go
        new("heredoc-copy", $"{Heredoc} testCopyHeredoc")
        {
            Files = new Dictionary<string, string>
            {
                ["single"] = "single file\n",
                ["double/EOF"] = "first file\n",
                ["double/EOF2"] = "second file\n",
                ["perms"] = "0777\n0644\nuser:user\n",
            },
        },
        new("heredoc-copy-special-symbols", $"{Heredoc} testCopyHeredocSpecialSymbols")
        {
            Files = new Dictionary<string, string>
            {
                ["quotefile"] = "\"quotes in file\"\n",
                ["slashfile1"] = "\n",
                ["slashfile2"] = "\\\n",
                ["slashfile3"] = "$\n",
                ["rawslashfile1"] = "\\\n",
                ["rawslashfile2"] = "\\\\\n",
                ["rawslashfile3"] = "\\$\n",
            },
        },
        new("heredoc-run-basic", $"{Heredoc} testRunBasicHeredoc") { Files = new Dictionary<string, string> { ["dest"] = "i am\nroot\n" } },
        new("heredoc-run-fake", $"{Heredoc} testRunFakeHeredoc") { Files = new Dictionary<string, string> { ["dest"] = "foo\n" } },
        new("heredoc-run-shebang", $"{Heredoc} testRunShebangHeredoc") { Files = new Dictionary<string, string> { ["out1"] = "hello\nworld\n", ["out2"] = "hello\nworld\n" } },
        new("heredoc-run-complex", $"{Heredoc} testRunComplexHeredoc")
        {
            Files = new Dictionary<string, string> { ["out1"] = "hello world\n", ["out2"] = "HELLO WORLD\n", ["fd3"] = "hello world\n", ["fd4"] = "HELLO WORLD\n" },
        },
        new("heredoc-indent", $"{Heredoc} testHeredocIndent")
        {
            Files = new Dictionary<string, string>
            {
                ["foo-copy"] = "\tfoo\n",
                ["foo-run"] = "\n\tfoo\n",
                ["foo2-run"] = "\n\tfoo\n",
                ["foo3-run"] = "\n\tfoo\n",
                ["bar-copy"] = "bar\n",
                ["bar-run"] = "\nbar\n",
                ["bar2-run"] = "\nbar\n",
                ["bar3-run"] = "\nbar\n",
            },
        },
        new("heredoc-var-substitution", $"{Heredoc} testHeredocVarSubstitution")
        {
            Files = new Dictionary<string, string>
            {
                ["c1"] = "Hello world!\n",
                ["c2"] = "Hello ${name}!\n",
                ["c3"] = "Hello ${name}!\n",
                ["q1"] = "Hello 'world'!\n",
                ["q2"] = "Hello \"world\"!\n",
                ["qsingle1"] = "Hello '${name}'!\n",
                ["qsingle2"] = "Hello \"${name}\"!\n",
                ["qdouble1"] = "Hello '${name}'!\n",
                ["qdouble2"] = "Hello \"${name}\"!\n",
                ["r1"] = "Hello world!\n",
                ["r2"] = "Hello new world!\n",
            },
        },
        new("heredoc-onbuild", $"{Heredoc} testOnBuildHeredoc")
        {
            Images = [new("heredoc-onbuild-base", "docker.io/buildkit/onbuild-heredoc:base")],
            Files = new Dictionary<string, string> { ["dest"] = "hello world\n" },
        },

        // dockerfile_core_test.go
        new("core-dirs", $"{Core} testDockerfileDirs") { ChecksInsideSteps = true, Files = new Dictionary<string, string> { ["foo"] = "bar", ["foo2"] = "bar", ["foo3"] = "bar" } },
        new("core-symlinked-dockerfile", $"{Core} testSymlinkedDockerfile") { Config = new Dictionary<string, string?> { ["config/Env"] = "[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"foo=bar\"]" } },
        new("core-symlink-destination", $"{Core} testSymlinkDestination")
        {
            Files = new Dictionary<string, string> { ["tmp/symlink-target/foo"] = "content0" },
            Entries = [Symlink("symlink", "../tmp/symlink-target")],
        },
        new("core-expose-expansion", $"{Core} testExposeExpansion") { Config = new Dictionary<string, string?> { ["config/ExposedPorts"] = "{\"3000/tcp\":{},\"4000/udp\":{},\"5000/tcp\":{}}" } },
        new("core-lowercase-dockerfile", $"{Core} testDockerfileLowercase")
        {
            Config = new Dictionary<string, string?> { ["config/Env"] = BusyboxPath },
        },
        new("core-labels", $"{Core} testLabels")
        {
            Labels = new Dictionary<string, string> { ["bar"] = "baz" },
            Config = new Dictionary<string, string?> { ["config/Labels"] = "{\"bar\":\"baz\",\"foo\":\"bar\"}" },
        },
        new("core-user", $"{Core} testUser")
        {
            ChecksInsideSteps = true,
            Files = new Dictionary<string, string> { ["rootuser"] = "root\n", ["daemonuser"] = "daemon\n" },
            Config = new Dictionary<string, string?> { ["config/User"] = "\"nobody\"" },
        },
        new("core-user-additional-gids", $"{Core} testUserAdditionalGids") { ChecksInsideSteps = true },
        new("core-step-names", $"{Core} testStepNames")
        {
            StepNames = ["[base 2/3] WORKDIR /out", "[base 3/3] RUN echo \"base\" > base", "[stage-1 1/1] COPY --from=base --chmod=0644 /out /out"],
            Files = new Dictionary<string, string> { ["out/base"] = "base\n" },
        },
        new("core-target-mistype", $"{Core} testTargetMistype") { Target = "bulid", Error = "Dockerfile: target stage \"bulid\" could not be found (did you mean build?)" },

        // dockerfile_copy_test.go
        new("copy-from-args", $"{Copy} testDockerfileCopyFromArgs")
        {
            Error = "Dockerfile:2: variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround",
        },
        new("copy-empty-dest-dir", $"{Copy} testEmptyDestDir") { ChecksInsideSteps = true },
        new("copy-preserve-dest-dir-slash", $"{Copy} testPreserveDestDirSlash") { ChecksInsideSteps = true },
        new("copy-link-dot-dest-dir", $"{Copy} testCopyLinkDotDestDir") { ChecksInsideSteps = true },
        new("copy-link-empty-dest-dir", $"{Copy} testCopyLinkEmptyDestDir") { ChecksInsideSteps = true },
        new("copy-chown-existing-dir", $"{Copy} testCopyChownExistingDir") { Target = "copy_from", ChecksInsideSteps = true },
        new("copy-chown-existing-dir-chowned", $"{Copy} testCopyChownExistingDir (its other stage)") { Data = "copy-chown-existing-dir", Target = "copy_from_chowned", ChecksInsideSteps = true },
        new("copy-empty-wildcard", $"{Copy} testEmptyWildcard") { Files = new Dictionary<string, string> { ["foo"] = "contents0" } },
        new("copy-chown-create-dest", $"{Copy} testCopyChownCreateDest") { BuildArgs = new Dictionary<string, string> { ["group"] = "user" }, ChecksInsideSteps = true },
        new("copy-through-symlink-context", $"{Copy} testCopyThroughSymlinkContext") { Files = new Dictionary<string, string> { ["foo"] = "contents" } },
        new("copy-through-symlink-multistage", $"{Copy} testCopyThroughSymlinkMultiStage") { Files = new Dictionary<string, string> { ["foo"] = "data", ["bar"] = "data" } },
        new("copy-follow-all-symlinks", $"{Copy} testCopyFollowAllSymlinks")
        {
            Files = new Dictionary<string, string> { ["bar"] = "bar-contents" },
            Entries = [Symlink("sub", "../bar")],
        },
        new("copy-symlinks", $"{Copy} testCopySymlinks")
        {
            Files = new Dictionary<string, string>
            {
                ["foo"] = "bar-contents",
                ["alllinks/l0"] = "subfile-contents",
                ["alllinks/lfile"] = "lfile-contents",
                ["alllinks/l1"] = "baz-contents",
            },
        },
        new("copy-chown", $"{Copy} testCopyChown")
        {
            BuildArgs = new Dictionary<string, string> { ["group"] = "nobody" },
            Files = new Dictionary<string, string> { ["fooowner"] = "daemon daemon\n", ["subowner"] = "1000 nobody\n", ["foobisowner"] = "1000 nobody\n" },
        },
        new("copy-chmod", $"{Copy} testCopyChmod")
        {
            BuildArgs = new Dictionary<string, string> { ["mode"] = "755" },
            Files = new Dictionary<string, string>
            {
                ["fooperm"] = "0644\n",
                ["barperm"] = "0777\n",
                ["foobisperm"] = "0000\n",
                ["parentperm"] = "0777\n",
                ["subparentperm"] = "0770\n",
                ["footerperm"] = "0755\n",
            },
        },
        new("copy-invalid-chmod-letters", $"{Copy} testCopyInvalidChmod") { Error = "Dockerfile:2: invalid chmod parameter: '64a'. it should be octal string and between 0 and 07777" },
        new("copy-invalid-chmod-too-big", $"{Copy} testCopyInvalidChmod") { Error = "Dockerfile:2: invalid chmod parameter: '10000'. it should be octal string and between 0 and 07777" },
        new("copy-override-files", $"{Copy} testCopyOverrideFiles")
        {
            Files = new Dictionary<string, string> { ["sub/dir1/dir2/foo"] = "foo-contents", ["dest/foo.go"] = "foo.go-contents" },
        },
        new("copy-var-substitution", $"{Copy} testCopyVarSubstitution") { Files = new Dictionary<string, string> { ["baz"] = "bar-contents" } },
        new("copy-wildcards", $"{Copy} testCopyWildcards")
        {
            Files = new Dictionary<string, string>
            {
                ["gofiles/foo.go"] = "foo-contents",
                ["gofiles/bar.go"] = "bar-contents",
                ["foo2.go"] = "foo-contents",
                ["subdest/dir2/foo"] = "foo-contents",
                ["subdest2/foo"] = "foo-contents",
                ["subdest3/bar"] = "foo-contents",
                ["all/foo.go"] = "foo-contents",
                ["subdest4/dir2/foo"] = "foo-contents",
                ["subdest5/dir2/foo"] = "foo-contents",
                ["subdest6/dir2/foo"] = "foo-contents",
            },
        },
        new("copy-relative", $"{Copy} testCopyRelative") { ChecksInsideSteps = true },
        new("copy-unicode-path", $"{Copy} testCopyUnicodePath")
        {
            Files = new Dictionary<string, string> { ["test-äöü.txt"] = "foo", ["test-%C3%A4%C3%B6%C3%BC.txt"] = "bar", ["test+aou.txt"] = "baz" },
        },
        new("copy-chmod-non-octal", $"{Copy} testChmodNonOctal") { ChecksInsideSteps = true },

        // dockerfile_mount_test.go
        new("mount-context", $"{Mount} testMountContext") { ChecksInsideSteps = true },
        new("mount-tmpfs", $"{Mount} testMountTmpfs") { ChecksInsideSteps = true },
        new("mount-invalid-flag", $"{Mount} testMountInvalid") { Error = "Dockerfile:2: unknown flag: --mont (did you mean mount?)" },
        new("mount-invalid-key", $"{Mount} testMountInvalid") { Error = "Dockerfile:2: unexpected key 'typ' in 'typ=tmpfs' (did you mean type?)" },
        new("mount-invalid-type", $"{Mount} testMountInvalid") { Error = "Dockerfile:2: unsupported mount type \"tmp\" (did you mean tmpfs?)" },
        new("mount-cache-user", $"{Mount} testCacheMountUser") { ChecksInsideSteps = true },
        new("mount-cache-default-id", $"{Mount} testCacheMountDefaultID") { ChecksInsideSteps = true },
        new("mount-env-var", $"{Mount} testMountEnvVar") { ChecksInsideSteps = true },
        new("mount-arg", $"{Mount} testMountArg") { ChecksInsideSteps = true },
        new("mount-env-across-stages", $"{Mount} testMountEnvAcrossStages") { ChecksInsideSteps = true },
        new("mount-meta-arg", $"{Mount} testMountMetaArg") { ChecksInsideSteps = true },
        new("mount-from-error", $"{Mount} testMountFromError") { Error = "Dockerfile:6: 'from' doesn't support variable expansion, define alias stage instead" },
        new("mount-tmpfs-size", $"{Mount} testMountTmpfsSize")
        {
            Files = new Dictionary<string, string> { ["tmpfssize"] = "tmpfs on /dev/shm type tmpfs (rw,nosuid,nodev,relatime,size=131072k)\n" },
        },
        new("mount-duplicate", $"{Mount} testMountDuplicate") { Files = new Dictionary<string, string> { ["combined.txt"] = "foo\nbar\n" } },
        new("mount-cache-parallel", $"{Mount} testCacheMountParallel") { Files = new Dictionary<string, string> { ["p1"] = Passwd, ["p2"] = Passwd } },
        new("mount-cache-source-escape", $"{Mount} testCacheMountSourceEscape") { Error = "Dockerfile:8: RUN --mount=type=cache,target=/victim,source=sel,id=sourceescape,sharing=shared,rw cat /victim/hostname: RUN --mount=type=cache,source=sel: a source needs from=, as a cache without it starts empty (mount on \"/victim\")" },

        // dockerfile_runnetwork_test.go
        new("network-default", $"{Network} testRunDefaultNetwork") { ChecksInsideSteps = true },
        new("network-none", $"{Network} testRunNoNetwork") { ChecksInsideSteps = true },
        new("network-host-denied", $"{Network} testRunHostNetwork (network.host denied)") { Entitlements = ["network.host"], Error = "granting entitlement network.host is not allowed by build daemon configuration" },

        // dockerfile_args_test.go
        new("args-global", $"{Args} testGlobalArg") { BuildArgs = new Dictionary<string, string> { ["tag"] = "latest" }, Config = new Dictionary<string, string?> { ["config/Env"] = BusyboxPath } },
        new("args-global-errors", $"{Args} testGlobalArgErrors") { Error = "Dockerfile:1: failed to process \"${FOO:?\\\"custom error\\\"}\": FOO: custom error" },
        new("args-global-errors-set", $"{Args} testGlobalArgErrors (FOO given)") { Data = "args-global-errors", BuildArgs = new Dictionary<string, string> { ["FOO"] = "bar" }, Config = new Dictionary<string, string?> { ["config/Env"] = BusyboxPath } },
        new("args-default-expansion", $"{Args} testArgDefaultExpansion") { Error = "Dockerfile:3: failed to process \"${FOO:?\\\"foo missing\\\"}\": FOO: foo missing" },
        new("args-default-expansion-foo", $"{Args} testArgDefaultExpansion (FOO given)") { Data = "args-default-expansion", BuildArgs = new Dictionary<string, string> { ["FOO"] = "123" }, Config = new Dictionary<string, string?> { ["config/Env"] = BusyboxPath } },
        new("args-default-expansion-bar", $"{Args} testArgDefaultExpansion (BAR given)") { Data = "args-default-expansion", BuildArgs = new Dictionary<string, string> { ["BAR"] = "123" }, Config = new Dictionary<string, string?> { ["config/Env"] = BusyboxPath } },
        new("args-multi", $"{Args} testMultiArgs") { Files = new Dictionary<string, string> { ["out"] = "foo bar:box-foo:123 456" } },
        new("args-quoted-meta", $"{Args} testQuotedMetaArgs") { Files = new Dictionary<string, string> { ["out"] = "bar-box-foo" } },
        new("args-target-stage-name", $"{Args} testTargetStageNameArg (target foo)") { Target = "foo", Files = new Dictionary<string, string> { ["first"] = "value:", ["second"] = "value:foo" } },
        new("args-target-stage-name-default", $"{Args} testTargetStageNameArg (no target)") { Data = "args-target-stage-name", Files = new Dictionary<string, string> { ["first"] = "value:", ["second"] = "value:default" } },
        new("args-target-stage-name-final", $"{Args} testTargetStageNameArg (named last stage)") { Files = new Dictionary<string, string> { ["first"] = "value:", ["second"] = "value:final" } },
        new("args-builtin", $"{Args} testBuiltinArgs")
        {
            BuildArgs = new Dictionary<string, string> { ["FOO"] = "foocontents", ["http_proxy"] = "hpvalue", ["NO_PROXY"] = "npvalue" },
            Files = new Dictionary<string, string> { ["out"] = "hpvalue::npvalue::foocontents::::bazcontent" },
        },
        new("args-default-env", $"{Args} testDefaultEnvWithArgs (nil)") { Files = new Dictionary<string, string> { ["out"] = "my_arg=def_val my_arg=def_val my_arg=d" } },
        new("args-default-env-empty", $"{Args} testDefaultEnvWithArgs (empty)") { Data = "args-default-env", BuildArgs = new Dictionary<string, string> { ["my_arg"] = "" }, Files = new Dictionary<string, string> { ["out"] = "my_arg=def_val my_arg=def_val my_arg=d" } },
        new("args-default-env-override", $"{Args} testDefaultEnvWithArgs (override)") { Data = "args-default-env", BuildArgs = new Dictionary<string, string> { ["my_arg"] = "override" }, Files = new Dictionary<string, string> { ["out"] = "my_arg=override my_arg=override my_arg=ov" } },
        new("args-empty-string-in-env", $"{Args} testEmptyStringArgInEnv") { Files = new Dictionary<string, string> { ["env.txt"] = "SHLVL=1\nHOME=/root\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nBAR=\nPWD=/\n" } },
        new("args-env-empty-formatting", $"{Args} testEnvEmptyFormatting") { ChecksInsideSteps = true },

        // dockerfile_cmd_test.go
        new("cmd-shell", $"{Cmd} testCmdShell")
        {
            Images = [new("cmd-shell-base", "docker.io/buildkit/cmd-shell:base")],
            Config = new Dictionary<string, string?> { ["config/Cmd"] = null, ["config/Entrypoint"] = "[\"ls\",\"my entrypoint\"]" },
        },
        new("cmd-default-shell-and-path", $"{Cmd} testDefaultShellAndPath (linux/amd64)")
        {
            Config = new Dictionary<string, string?> { ["config/Entrypoint"] = "[\"/bin/sh\",\"-c\",\"foo bar\"]", ["config/Env"] = BusyboxPath },
        },
        new("cmd-ignore-entrypoint", $"{Cmd} testIgnoreEntrypoint") { Config = new Dictionary<string, string?> { ["config/Entrypoint"] = "[\"/nosuchcmd\"]" } },
        new("cmd-invalid-json-run", $"{Cmd} testInvalidJSONCommands") { Error = "Dockerfile:2: RUN [\"echo\", \"hello\"]this is invalid: process \"/bin/sh -c [\"echo\", \"hello\"]this is invalid\" did not complete successfully: exit code: 127" },
        new("cmd-invalid-json-entrypoint", $"{Cmd} testInvalidJSONCommands") { Config = new Dictionary<string, string?> { ["config/Entrypoint"] = "[\"/bin/sh\",\"-c\",\"[]random string\"]" } },
        new("cmd-invalid-command", $"{Cmd} testDockerfileInvalidCommand") { Error = "Dockerfile:2: RUN invalidcmd: process \"/bin/sh -c invalidcmd\" did not complete successfully: exit code: 127" },
        new("cmd-invalid-instruction", $"{Cmd} testDockerfileInvalidInstruction") { Error = "Dockerfile:2: unknown instruction: FNTRYPOINT (did you mean ENTRYPOINT?)" },

        // dockerfile_workdir_test.go
        new("workdir-creates-dir", $"{Workdir} testWorkdirCreatesDir") { Entries = [Directory("foo")] },
        new("workdir-user", $"{Workdir} testWorkdirUser") { ChecksInsideSteps = true },
        new("workdir-copy-ignore-relative", $"{Workdir} testWorkdirCopyIgnoreRelative") { Files = new Dictionary<string, string> { ["Dockerfile"] = WorkdirCopyIgnoreRelativeDockerfile } },
        new("workdir-exists", $"{Workdir} testWorkdirExists") { ChecksInsideSteps = true },

        // dockerfile_multistage_test.go
        new("multistage-implicit-from", $"{Multistage} testMultiStageImplicitFrom") { Files = new Dictionary<string, string> { ["test"] = Passwd } },
        new("multistage-implicit-from-stage", $"{Multistage} testMultiStageImplicitFrom (named stage)") { Files = new Dictionary<string, string> { ["go"] = "foo" } },
        new("multistage-case-insensitive", $"{Multistage} testMultiStageCaseInsensitive") { Target = "Stage1", Files = new Dictionary<string, string> { ["baz"] = "foo-contents" } },
        new("multistage-out-of-order-root", $"{Multistage} testOutOfOrderStage (/)") { Error = "Dockerfile:2: cannot copy from stage \"build\", it needs to be defined before current stage \"target\"" },
        new("multistage-out-of-order-file", $"{Multistage} testOutOfOrderStage (/d2)") { Error = "Dockerfile:2: cannot copy from stage \"build\", it needs to be defined before current stage \"target\"" },
        new("multistage-empty-stages", $"{Multistage} testEmptyStages") { Error = "Dockerfile: dockerfile contains no stages to build" },

        // dockerfile_dockerignore_test.go
        new("dockerignore", $"{Dockerignore} testDockerignore")
        {
            Files = new Dictionary<string, string> { ["foo"] = "foo-contents", ["bay"] = "bay-contents" },
            Absent = [".dockerignore", "Dockerfile", "bar", "baz"],
        },
        new("dockerignore-invalid", $"{Dockerignore} testDockerignoreInvalid") { Error = ".dockerignore:1: illegal exclusion pattern: \"!\"" },
        new("dockerignore-override", $"{Dockerignore} testDockerignoreOverride") { ChecksInsideSteps = true },
        new("dockerignore-override-2", $"{Dockerignore} testDockerignoreOverride (Dockerfile2)") { Data = "dockerignore-override", Dockerfile = "Dockerfile2", ChecksInsideSteps = true },

        // dockerfile_add_test.go
        new("add-archive-tar", $"{Add} testDockerfileAddArchive (tar)") { Files = new Dictionary<string, string> { ["foo"] = "content0" } },
        new("add-archive-tar-gz", $"{Add} testDockerfileAddArchive (tar.gz)") { Files = new Dictionary<string, string> { ["foo"] = "content0" } },
        new("add-archive-unpack-false", $"{Add} testDockerfileAddArchive (--unpack=false)") { Absent = ["foo"], Entries = [GzippedTar("t.tar.gz")] },
        new("add-archive-copy", $"{Add} testDockerfileAddArchive (COPY)") { Absent = ["foo"], Entries = [GzippedTar("t.tar.gz")] },
        new("add-archive-implied-parent", $"{Add} testDockerfileAddArchiveWithImpliedParentDir") { Files = new Dictionary<string, string> { ["etc/dnf/dnf.conf"] = "content0" } },
        new("add-archive-absolute-symlink", $"{Add} testDockerfileAddArchiveThroughAbsoluteSymlink")
        {
            Files = new Dictionary<string, string> { ["run/act/actions/broad/.git/HEAD"] = "ref: refs/heads/main\n", ["run/act/actions/broad/.git/HEAD.link"] = "ref: refs/heads/main\n" },
        },
        new("add-chown-archive", $"{Add} testDockerfileAddChownArchive")
        {
            Entries = [File("out/foo", "content0", uid: 100, gid: 200), Directory("out", uid: 100, gid: 200)],
        },
        new("add-archive-wildcard", $"{Add} testDockerfileAddArchiveWildcard") { Files = new Dictionary<string, string> { ["dest/foo"] = "content0", ["dest/bar"] = "content1" } },
        new("add-chown-expand", $"{Add} testDockerfileAddChownExpand") { BuildArgs = new Dictionary<string, string> { ["group"] = "nobody" }, ChecksInsideSteps = true },
        new("add-invalid-chmod-letters", $"{Add} testAddInvalidChmod") { Error = "Dockerfile:2: invalid chmod parameter: '64a'. it should be octal string and between 0 and 07777" },
        new("add-invalid-chmod-too-big", $"{Add} testAddInvalidChmod") { Error = "Dockerfile:2: invalid chmod parameter: '10000'. it should be octal string and between 0 and 07777" },

        // dockerfile_onbuild_test.go
        new("onbuild-cleared", $"{Onbuild} testOnBuildCleared")
        {
            Images = [new("onbuild-cleared-base", "docker.io/buildkit/onbuild-cleared:base"), new("onbuild-cleared-child", "docker.io/buildkit/onbuild-cleared:child")],
            Files = new Dictionary<string, string> { ["foo"] = "11" },
        },
        new("onbuild-child-stage", $"{Onbuild} testOnBuildWithChildStage")
        {
            Images = [new("onbuild-child-stage-base", "docker.io/buildkit/onbuild-child-stage:base")],
            Files = new Dictionary<string, string> { ["step1"] = string.Empty, ["step2"] = string.Empty, ["step3"] = string.Empty },
        },
        new("onbuild-inherited-stage-run", $"{Onbuild} testOnBuildInheritedStageRun") { Files = new Dictionary<string, string> { ["bar"] = "11" } },
        new("onbuild-inherited-stage-with-from", $"{Onbuild} testOnBuildInheritedStageWithFrom") { Files = new Dictionary<string, string> { ["bar"] = "12" } },
    ];

    /// <summary>The busybox image's /etc/passwd (deploy/base-images/busybox.sh).</summary>
    private const string Passwd = "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n";

    private const string WorkdirCopyIgnoreRelativeDockerfile = "FROM busybox AS base\nWORKDIR /foo\nCOPY Dockerfile /\nFROM busybox\n# relative path still loaded as absolute\nCOPY --from=base Dockerfile .\n";

    /// <summary>The cases the runners build: all but those known to fail.</summary>
    public static IEnumerable<BuildKitCase> Runnable => All.Where(c => c.Fails is null);

    public static BuildKitCase Named(string name) => All.Single(c => c.Name == name);

    /// <summary>The gzipped tar of the add-archive cases, copied as it is.</summary>
    private static Testing.FileTrees.FileTreeEntry GzippedTar(string path) =>
        FromContent(path, System.IO.File.ReadAllBytes(System.IO.Path.Combine(BuildKitCase.DataDirectory("add-archive-copy"), "t.tar.gz")), 0b110_100_100, 0, 0);
}
