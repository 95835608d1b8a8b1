namespace BuildFarm.Dockerfile.Instructions.Internal;

/// <summary>Go's <c>strconv.ParseBool</c>: the spellings BuildKit accepts for mount options.</summary>
internal static class GoBool
{
    public static bool TryParse(string value, out bool result)
    {
        switch (value)
        {
            case "1" or "t" or "T" or "true" or "TRUE" or "True":
                result = true;
                return true;
            case "0" or "f" or "F" or "false" or "FALSE" or "False":
                result = false;
                return true;
            default:
                result = false;
                return false;
        }
    }
}
