using MessagePack;
using MessagePack.Resolvers;
using Orleans.Storage;

namespace BuildFarm.Grains.Persistence;

/// <summary>
/// Grain state as MessagePack, through Orleans' serializer seam: the farm's states are
/// MessagePack contracts (<c>[MessagePackObject]</c>), compact and versioned by key, and the
/// same bytes whichever storage provider holds them.
/// </summary>
public sealed class MessagePackGrainStorageSerializer : IGrainStorageSerializer
{
    private static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithResolver(StandardResolver.Instance).WithSecurity(MessagePackSecurity.UntrustedData);

    public BinaryData Serialize<T>(T? input) => new(MessagePackSerializer.Serialize(input, Options));

    public T Deserialize<T>(BinaryData input) => MessagePackSerializer.Deserialize<T>(input.ToMemory(), Options);
}
