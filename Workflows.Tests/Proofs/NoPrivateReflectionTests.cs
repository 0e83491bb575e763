using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Workflows.Tests.Proofs;

/// <summary>
/// No product assembly reaches into another library's private members: a library's next release may rename or remove
/// them and break the host at start. Read from the compiled IL, so it holds whatever the source looks like: a reflection
/// lookup (<c>GetField</c>, <c>GetMethod</c>, …) with <see cref="BindingFlags.NonPublic"/> among its flags, and any
/// <c>[UnsafeAccessor]</c>.
/// </summary>
public sealed class NoPrivateReflectionTests
{
    private static readonly HashSet<string> Lookups = new(StringComparer.Ordinal)
    {
        "GetField", "GetFields", "GetMethod", "GetMethods", "GetProperty", "GetProperties", "GetMember", "GetMembers",
        "GetConstructor", "GetConstructors", "GetNestedType", "GetNestedTypes", "GetEvent", "GetEvents", "InvokeMember",
        "GetRuntimeField", "GetDeclaredField", "GetDeclaredMethod", "GetDeclaredProperty",
    };

    /// <summary>Operand sizes of every one- and two-byte opcode, from the runtime's own table.</summary>
    private static readonly Dictionary<ushort, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => unchecked((ushort)o.Value), o => o.OperandType);

    public static TheoryData<string> ProductAssemblies => ["Workflows.Host", "Workflows.Definitions"];

    [Theory]
    [MemberData(nameof(ProductAssemblies))]
    public void ProductAssembly_LooksUpNoNonPublicMembers_AndDeclaresNoUnsafeAccessor(string assembly)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assembly + ".dll");
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();

        var found = new List<string>();
        foreach (var handle in metadata.MethodDefinitions)
        {
            var method = metadata.GetMethodDefinition(handle);
            var name = $"{TypeName(metadata, method.GetDeclaringType())}.{metadata.GetString(method.Name)}";
            if (method.GetCustomAttributes().Any(a => AttributeName(metadata, a) == "UnsafeAccessorAttribute"))
            {
                found.Add($"{name}: [UnsafeAccessor]");
            }

            if (method.RelativeVirtualAddress != 0)
            {
                found.AddRange(NonPublicLookups(metadata, pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader()).Select(call => $"{name}: {call}"));
            }
        }

        Assert.True(found.Count == 0, $"{assembly} looks up non-public members:\n" + string.Join("\n", found));
    }

    [Fact]
    public void TheScan_FindsANonPublicLookup()
    {
        // The scan itself is checked on this assembly, which holds one on purpose.
        var path = typeof(NoPrivateReflectionTests).Assembly.Location;
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var method = metadata.MethodDefinitions.Select(metadata.GetMethodDefinition)
            .Single(m => metadata.GetString(m.Name) == nameof(PrivateLookupForTheScan));

        Assert.Equal(["GetField"], NonPublicLookups(metadata, pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader()));
    }

    private static FieldInfo? PrivateLookupForTheScan() => typeof(string).GetField("_firstChar", BindingFlags.NonPublic | BindingFlags.Instance);

    /// <summary>Calls to a reflection lookup made within a few instructions after loading flags that include NonPublic.</summary>
    private static List<string> NonPublicLookups(MetadataReader metadata, BlobReader il)
    {
        var calls = new List<string>();
        var sinceNonPublic = int.MaxValue;
        while (il.RemainingBytes > 0)
        {
            ushort code = il.ReadByte();
            if (code == 0xFE)
            {
                code = (ushort)(0xFE00 | il.ReadByte());
            }

            var operand = Operands.TryGetValue(code, out var type) ? type : OperandType.InlineNone;
            long value = 0;
            switch (operand)
            {
                case OperandType.ShortInlineI or OperandType.ShortInlineVar or OperandType.ShortInlineBrTarget:
                    value = code == (ushort)ILOpCode.Ldc_i4_s ? il.ReadSByte() : il.ReadByte();
                    break;
                case OperandType.InlineI or OperandType.InlineBrTarget or OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineSig
                    or OperandType.InlineString or OperandType.InlineTok or OperandType.InlineType or OperandType.ShortInlineR:
                    value = il.ReadInt32();
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    il.ReadInt64();
                    break;
                case OperandType.InlineVar:
                    il.ReadUInt16();
                    break;
                case OperandType.InlineSwitch:
                    var count = il.ReadInt32();
                    il.Offset += count * 4;
                    break;
            }

            sinceNonPublic++;
            if (code is (ushort)ILOpCode.Ldc_i4 or (ushort)ILOpCode.Ldc_i4_s && (value & (long)BindingFlags.NonPublic) != 0)
            {
                sinceNonPublic = 0;
            }
            else if (code is (ushort)ILOpCode.Call or (ushort)ILOpCode.Callvirt && sinceNonPublic <= 2
                && Member(metadata, MetadataTokens.EntityHandle((int)value)) is var (owner, called)
                && Lookups.Contains(called) && (owner is "System.Type" || owner.StartsWith("System.Reflection.", StringComparison.Ordinal)))
            {
                calls.Add(called);
            }
        }

        return calls;
    }

    /// <summary>The called member's declaring type (namespace and name) and name, for members of referenced types.</summary>
    private static (string Owner, string Name)? Member(MetadataReader metadata, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.MemberReference:
                var member = metadata.GetMemberReference((MemberReferenceHandle)handle);
                var owner = member.Parent.Kind == HandleKind.TypeReference
                    ? metadata.GetTypeReference((TypeReferenceHandle)member.Parent) is var t ? $"{metadata.GetString(t.Namespace)}.{metadata.GetString(t.Name)}" : ""
                    : "";
                return (owner, metadata.GetString(member.Name));
            case HandleKind.MethodSpecification:
                return Member(metadata, metadata.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
            default:
                return null;
        }
    }

    private static string TypeName(MetadataReader metadata, TypeDefinitionHandle handle) => metadata.GetString(metadata.GetTypeDefinition(handle).Name);

    private static string? AttributeName(MetadataReader metadata, CustomAttributeHandle handle)
    {
        var constructor = metadata.GetCustomAttribute(handle).Constructor;
        return constructor.Kind == HandleKind.MemberReference
            && metadata.GetMemberReference((MemberReferenceHandle)constructor).Parent is { Kind: HandleKind.TypeReference } parent
            ? metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)parent).Name)
            : null;
    }
}
