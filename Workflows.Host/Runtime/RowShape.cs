using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Workflows.Host.Runtime;

/// <summary>
/// An entity type's columns as the EF Core model maps them, for the runner's prepared SQLite statements: the column
/// list of a SELECT, and a row read back into an entity with the model's own value converters. Built once per model
/// and type, so the mapping stays in one place.
/// </summary>
internal sealed class RowShape
{
    private static readonly ConcurrentDictionary<IEntityType, RowShape> Shapes = new();

    private readonly string[] columns;
    private readonly PropertyInfo[] setters;
    private readonly ValueConverter?[] converters;
    private readonly Type[] types;

    private RowShape(IEntityType type)
    {
        var table = StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema());
        var properties = type.GetProperties().ToArray();
        columns = [.. properties.Select(p => p.GetColumnName(table)!)];
        setters = [.. properties.Select(p => p.PropertyInfo ?? throw new InvalidOperationException($"{type.DisplayName()}.{p.Name} has no CLR property."))];
        converters = [.. properties.Select(p => p.GetTypeMapping().Converter)];
        types = [.. properties.Select(p => Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType)];
    }

    public static RowShape Of(IEntityType type) => Shapes.GetOrAdd(type, t => new RowShape(t));

    public int Count => columns.Length;

    /// <summary>The columns, qualified by <paramref name="alias"/>, in the order <see cref="Read{T}"/> expects them.</summary>
    public string Columns(string alias) => string.Join(", ", columns.Select(c => $"{alias}.\"{c}\""));

    /// <summary>A new entity from the columns starting at <paramref name="offset"/>.</summary>
    public T Read<T>(SqlitePrepared.Row row, int offset)
        where T : new()
    {
        var entity = new T();
        for (var i = 0; i < columns.Length; i++)
        {
            var value = row.Value(offset + i);
            if (value is not null)
            {
                if (converters[i] is { } converter)
                {
                    value = converter.ConvertFromProvider(value);
                }
                else if (value.GetType() != types[i])
                {
                    value = types[i] == typeof(bool) ? (long)value != 0 : Convert.ChangeType(value, types[i], System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            setters[i].SetValue(entity, value);
        }

        return entity;
    }
}
