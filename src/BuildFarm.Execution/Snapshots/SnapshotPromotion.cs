namespace BuildFarm.Execution.Snapshots;

/// <summary>What became of a directory offered as a layer's snapshot.</summary>
/// <param name="Outcome">Whether it became the snapshot.</param>
/// <param name="Reason">Why it could not, when refused; the snapshot is then unpacked from the blob when needed.</param>
internal sealed record SnapshotPromotion(PromotionOutcome Outcome, string? Reason = null)
{
    public static SnapshotPromotion Promoted { get; } = new(PromotionOutcome.Promoted);

    public static SnapshotPromotion AlreadyThere { get; } = new(PromotionOutcome.AlreadyThere);

    public static SnapshotPromotion Refused(string reason) => new(PromotionOutcome.Refused, reason);
}

internal enum PromotionOutcome
{
    /// <summary>The directory was renamed into place as the snapshot.</summary>
    Promoted,

    /// <summary>The layer had a snapshot already; the directory is left to its owner.</summary>
    AlreadyThere,

    /// <summary>The directory cannot be made exactly what the blob unpacks to.</summary>
    Refused,
}
