namespace BuildFarm.Execution.Files.Internal;

/// <summary>
/// A symbolic mode (<c>u+x,g-w</c>, <c>a=rX</c>, <c>go=u-w</c>) with the semantics BuildKit uses for
/// <c>--chmod</c>: BSD <c>setmode(3)</c> with a zero umask. Its quirks are kept: <c>X</c> counts
/// only after <c>+</c>, and tests the mode the entry had before any clause.
/// </summary>
internal sealed class SymbolicMode
{
    private const int SetUid = 0x800, SetGid = 0x400, Sticky = 0x200;
    private const int UserBits = 0x1C0, GroupBits = 0x38, OtherBits = 0x7;
    private const int ReadAll = 0x124, WriteAll = 0x92, ExecuteAll = 0x49;
    private const int StandardBits = SetUid | SetGid | UserBits | GroupBits | OtherBits;
    private const int AllBits = 0xFFFF; // ~umask with a zero umask, as a 16-bit mode_t

    private readonly List<Command> _commands;

    private SymbolicMode(List<Command> commands) => _commands = commands;

    /// <summary>Parses a symbolic mode; null when it is malformed.</summary>
    public static SymbolicMode? TryParse(string text)
    {
        if (text.Length == 0 || char.IsAsciiDigit(text[0]))
        {
            return null;
        }

        var commands = new List<Command>();
        var s = text.AsSpan();
        while (true)
        {
            var who = 0;
            while (s.Length > 0 && s[0] is 'a' or 'u' or 'g' or 'o')
            {
                who |= s[0] switch
                {
                    'a' => StandardBits,
                    'u' => SetUid | UserBits,
                    'g' => SetGid | GroupBits,
                    _ => OtherBits,
                };
                s = s[1..];
            }

            if (s.Length == 0)
            {
                return null;
            }

            // One or more operator clauses for this "who": u+x-w.
            while (true)
            {
                var op = s[0];
                s = s[1..];
                if (op is not ('+' or '-' or '='))
                {
                    return null;
                }

                var equalDone = false;
                who &= ~Sticky;
                int perm = 0, permX = 0;
                while (true)
                {
                    var c = s.Length > 0 ? s[0] : '\0';
                    switch (c)
                    {
                        case 'r':
                            perm |= ReadAll;
                            break;
                        case 's':
                            if (who == 0 || (who & ~OtherBits) != 0)
                            {
                                perm |= SetUid | SetGid;
                            }

                            break;
                        case 't':
                            if (who == 0 || (who & ~OtherBits) != 0)
                            {
                                who |= Sticky;
                                perm |= Sticky;
                            }

                            break;
                        case 'w':
                            perm |= WriteAll;
                            break;
                        case 'X':
                            if (op == '+')
                            {
                                permX = ExecuteAll;
                            }

                            break;
                        case 'x':
                            perm |= ExecuteAll;
                            break;
                        case 'u' or 'g' or 'o':
                            if (perm != 0)
                            {
                                Add(commands, op, who, perm);
                                perm = 0;
                            }

                            if (op == '=')
                            {
                                equalDone = true;
                            }

                            if (permX != 0)
                            {
                                Add(commands, 'X', who, permX);
                                permX = 0;
                            }

                            Add(commands, c, who, op);
                            break;
                        default:
                            if (perm != 0 || (op == '=' && !equalDone))
                            {
                                equalDone |= op == '=';
                                Add(commands, op, who, perm);
                            }

                            if (permX != 0)
                            {
                                Add(commands, 'X', who, permX);
                            }

                            goto ClauseDone;
                    }

                    s = s[1..];
                }

            ClauseDone:
                if (s.Length == 0)
                {
                    return new SymbolicMode(Compress(commands));
                }

                if (s[0] == ',')
                {
                    s = s[1..];
                    break;
                }
            }
        }
    }

    /// <summary>The permission bits (setuid, setgid, sticky included) an entry gets from <paramref name="permissions"/>.</summary>
    public int Apply(int permissions, bool isDirectory)
    {
        var original = permissions & 0xFFF;
        var mode = original;
        foreach (var command in _commands)
        {
            switch (command.Op)
            {
                case 'u':
                    mode = Copy(command, mode, (mode & UserBits) >> 6);
                    break;
                case 'g':
                    mode = Copy(command, mode, (mode & GroupBits) >> 3);
                    break;
                case 'o':
                    mode = Copy(command, mode, mode & OtherBits);
                    break;
                case '+':
                    mode |= command.Bits;
                    break;
                case '-':
                    mode &= ~command.Bits;
                    break;
                case 'X':
                    if ((original & ExecuteAll) != 0 || isDirectory)
                    {
                        mode |= command.Bits;
                    }

                    break;
            }
        }

        return mode & 0xFFF;
    }

    // u, g, o on the right of an operator copy one class's bits to the classes named on the left.
    private static int Copy(Command command, int mode, int value)
    {
        if (command.Clear)
        {
            var clear = command.Set ? OtherBits : value;
            mode &= ~(Shifted(command, clear) & command.Bits);
        }

        if (command.Set)
        {
            mode |= Shifted(command, value) & command.Bits;
        }

        return mode;
    }

    private static int Shifted(Command command, int value) =>
        (command.ToUser ? value << 6 : 0) | (command.ToGroup ? value << 3 : 0) | (command.ToOther ? value : 0);

    private static void Add(List<Command> commands, char op, int who, int argument)
    {
        if (op == '=')
        {
            commands.Add(new Command('-', who != 0 ? who : StandardBits));
            op = '+';
        }

        if (op is '+' or '-' or 'X')
        {
            commands.Add(new Command(op, (who != 0 ? who : AllBits) & argument));
            return;
        }

        // A copy (u, g, o): argument is the operator.
        var command = who != 0
            ? new Command(op, AllBits) { ToUser = (who & 0x100) != 0, ToGroup = (who & 0x20) != 0, ToOther = (who & 0x4) != 0 }
            : new Command(op, AllBits) { ToUser = true, ToGroup = true, ToOther = true };
        commands.Add(command with { Set = argument is '+' or '=', Clear = argument is '-' or '=' });
    }

    // setmode's compress: a run of +, - and X becomes at most one of each, in that order.
    private static List<Command> Compress(List<Command> commands)
    {
        var result = new List<Command>();
        for (var i = 0; i < commands.Count; i++)
        {
            if (commands[i].Op is not ('+' or '-' or 'X'))
            {
                result.Add(commands[i]);
                continue;
            }

            int set = 0, clear = 0, x = 0;
            for (; i < commands.Count && commands[i].Op is '+' or '-' or 'X'; i++)
            {
                var bits = commands[i].Bits;
                switch (commands[i].Op)
                {
                    case '-':
                        clear |= bits;
                        set &= ~bits;
                        x &= ~bits;
                        break;
                    case '+':
                        set |= bits;
                        clear &= ~bits;
                        x &= ~bits;
                        break;
                    default:
                        x |= bits & ~set;
                        break;
                }
            }

            i--;
            if (clear != 0)
            {
                result.Add(new Command('-', clear));
            }

            if (set != 0)
            {
                result.Add(new Command('+', set));
            }

            if (x != 0)
            {
                result.Add(new Command('X', x));
            }
        }

        return result;
    }

    private sealed record Command(char Op, int Bits)
    {
        public bool ToUser { get; init; }

        public bool ToGroup { get; init; }

        public bool ToOther { get; init; }

        public bool Set { get; init; }

        public bool Clear { get; init; }
    }
}
