using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Workflows.Host.Data;

namespace Workflows.Host.Runtime;

/// <summary>
/// One of the runner's row types as the EF Core model maps it: table, columns, value converters, and compiled
/// accessors. The runner writes its own rows with it (an INSERT per new row, an UPDATE of the changed columns of a
/// loaded row guarded by its version) and reads the task it completes with it, so the mapping stays in the EF model
/// while EF Core's general-purpose change tracking stays out of the step (it was the largest cost of a step in the
/// bench). Built once per model and type.
/// </summary>
internal sealed class RowShape
{
    private static readonly ConcurrentDictionary<IEntityType, RowShape> Shapes = new();

    private readonly string table;
    private readonly string[] columns;
    private readonly Func<object, object?>[] getters;
    private readonly Action<object, object?>[] setters;
    private readonly ValueConverter?[] converters;
    private readonly Type[] types;
    private readonly int key;
    private readonly int version;
    private readonly string[] insertSql = new string[2];

    private RowShape(IEntityType type)
    {
        table = type.GetTableName()!;
        var store = StoreObjectIdentifier.Table(table, type.GetSchema());
        var properties = type.GetProperties().ToArray();
        columns = [.. properties.Select(p => p.GetColumnName(store)!)];
        getters = [.. properties.Select(Getter)];
        setters = [.. properties.Select(Setter)];
        converters = [.. properties.Select(p => p.GetTypeMapping().Converter)];
        types = [.. properties.Select(p => Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType)];
        // Updates (of versioned rows) need a single-column key; history and candidates are only ever inserted.
        key = type.FindPrimaryKey()!.Properties is [var single] ? Array.IndexOf(properties, single) : -1;
        version = Array.FindIndex(properties, p => p.Name == nameof(IVersioned.Version));
        for (var postgres = 0; postgres < 2; postgres++)
        {
            var mark = Placeholder(postgres == 1);
            insertSql[postgres] = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) " +
                $"VALUES ({string.Join(", ", columns.Select((_, i) => mark + (i + 1)))})";
        }
    }

    public static RowShape Of(IEntityType type) => Shapes.GetOrAdd(type, t => new RowShape(t));

    public static RowShape Of(DbContext db, Type clrType) =>
        Of(db.Model.FindEntityType(clrType) ?? throw new InvalidOperationException($"{clrType.Name} is not in the model."));

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

            setters[i](entity, value);
        }

        return entity;
    }

    /// <summary>The row's values as they are now: what an update later compares with.</summary>
    public object?[] Snapshot(object entity)
    {
        var values = new object?[getters.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = getters[i](entity);
        }

        return values;
    }

    /// <summary>The version a loaded row was read with.</summary>
    public long VersionOf(object?[] snapshot) => version < 0
        ? throw new InvalidOperationException($"\"{table}\" rows carry no version.")
        : (long)snapshot[version]!;

    public void SetVersion(object entity, long value) => setters[version](entity, value);

    /// <summary>The INSERT of a new row.</summary>
    public (string Sql, object?[] Values) Insert(object entity, bool postgres)
    {
        var values = new object?[getters.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Provider(i, getters[i](entity), postgres);
        }

        return (insertSql[postgres ? 1 : 0], values);
    }

    /// <summary>
    /// The UPDATE of a loaded row's changed columns, which also moves its version on and matches only the version it
    /// was read with; null when nothing changed.
    /// </summary>
    public (string Sql, object?[] Values)? Update(object entity, object?[] snapshot, bool postgres)
    {
        var read = VersionOf(snapshot);
        if (key < 0)
        {
            throw new InvalidOperationException($"\"{table}\" rows are never updated.");
        }

        List<object?>? values = null;
        StringBuilder? sql = null;
        var mark = Placeholder(postgres);
        for (var i = 0; i < getters.Length; i++)
        {
            if (i == version || i == key)
            {
                continue;
            }

            var now = getters[i](entity);
            if (Equals(now, snapshot[i]))
            {
                continue;
            }

            values ??= new List<object?>(8);
            sql ??= new StringBuilder("UPDATE \"").Append(table).Append("\" SET ");
            values.Add(Provider(i, now, postgres));
            sql.Append('"').Append(columns[i]).Append("\" = ").Append(mark).Append(values.Count).Append(", ");
        }

        if (values is null || sql is null)
        {
            return null;
        }

        values.Add(read + 1);
        sql.Append('"').Append(columns[version]).Append("\" = ").Append(mark).Append(values.Count);
        values.Add(Provider(key, getters[key](entity), postgres));
        sql.Append(" WHERE \"").Append(columns[key]).Append("\" = ").Append(mark).Append(values.Count);
        values.Add(read);
        sql.Append(" AND \"").Append(columns[version]).Append("\" = ").Append(mark).Append(values.Count);
        return (sql.ToString(), [.. values]);
    }

    /// <summary>Parameters are numbered from 1: $1 on PostgreSQL, ?1 on SQLite.</summary>
    private static string Placeholder(bool postgres) => postgres ? "$" : "?";

    /// <summary>A property's value as the database stores it.</summary>
    private object? Provider(int index, object? value, bool postgres)
    {
        if (value is not null && converters[index] is { } converter)
        {
            value = converter.ConvertToProvider(value);
        }

        // timestamptz takes UTC only.
        return postgres && value is DateTimeOffset instant ? instant.ToUniversalTime() : value;
    }

    private static Func<object, object?> Getter(IProperty property)
    {
        var entity = Expression.Parameter(typeof(object));
        var read = Expression.Property(Expression.Convert(entity, property.DeclaringType.ClrType), property.PropertyInfo!);
        return Expression.Lambda<Func<object, object?>>(Expression.Convert(read, typeof(object)), entity).Compile();
    }

    private static Action<object, object?> Setter(IProperty property)
    {
        var entity = Expression.Parameter(typeof(object));
        var value = Expression.Parameter(typeof(object));
        var target = Expression.Convert(entity, property.DeclaringType.ClrType);
        var assign = Expression.Call(target, property.PropertyInfo!.SetMethod!, Expression.Convert(value, property.ClrType));
        return Expression.Lambda<Action<object, object?>>(assign, entity, value).Compile();
    }
}
