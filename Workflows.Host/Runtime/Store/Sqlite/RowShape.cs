using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Workflows.Host.Data;

namespace Workflows.Host.Runtime.Store.Sqlite;

/// <summary>
/// One of the runner's row types as the EF Core model maps it: table, columns, value converters, and compiled
/// accessors. The SQLite store writes the runner's rows with it (one INSERT for the new rows of a type, an UPDATE of the
/// changed columns of a loaded row guarded by its version) and reads the task and instance a step loads, so the mapping
/// stays in the EF model. Built once per model and type.
/// </summary>
internal sealed class RowShape
{
    private static readonly ConcurrentDictionary<IEntityType, RowShape> Shapes = new();

    private readonly string table;
    private readonly string[] columns;
    private readonly string[] names;
    private readonly Action<object, object?>? setVersion;
    private readonly ValueConverter?[] converters;
    private readonly int key;
    private readonly int version;
    private readonly ConcurrentDictionary<int, string> insertSql = new();
    private readonly Func<object, object?[]> snapshot;
    private readonly Func<object, object?[]> stored;
    private readonly Lazy<Func<SqlitePrepared.Row, int, object>> read;
    private readonly ConcurrentDictionary<ulong, string> updateSql = new();

    private RowShape(IEntityType type)
    {
        table = type.GetTableName()!;
        var store = StoreObjectIdentifier.Table(table, type.GetSchema());
        var properties = type.GetProperties().ToArray();
        columns = [.. properties.Select(p => p.GetColumnName(store)!)];
        names = [.. properties.Select(p => p.Name)];
        converters = [.. properties.Select(p => p.GetTypeMapping().Converter)];
        // Updates (of versioned rows) need a single-column key; history and candidates are only ever inserted.
        key = type.FindPrimaryKey()!.Properties is [var single] ? Array.IndexOf(properties, single) : -1;
        version = Array.FindIndex(properties, p => p.Name == nameof(IVersioned.Version));
        setVersion = version < 0 ? null : Setter(properties[version]);
        if (properties.Length > 64)
        {
            throw new InvalidOperationException($"\"{table}\" has more columns than an update's change mask holds.");
        }

        snapshot = Values(type.ClrType, properties, toProvider: false);
        stored = Values(type.ClrType, properties, toProvider: true);
        read = new(() => Reader(type.ClrType, properties));
    }

    public static RowShape Of(IEntityType type) => Shapes.GetOrAdd(type, t => new RowShape(t));

    public static RowShape Of(DbContext db, Type clrType) =>
        Of(db.Model.FindEntityType(clrType) ?? throw new InvalidOperationException($"{clrType.Name} is not in the model."));

    public int Count => columns.Length;

    /// <summary>The columns, qualified by <paramref name="alias"/>, in the order <see cref="Read{T}"/> expects them.</summary>
    public string Columns(string alias) => string.Join(", ", columns.Select(c => $"{alias}.\"{c}\""));

    /// <summary>A new entity from the columns starting at <paramref name="offset"/>.</summary>
    public T Read<T>(SqlitePrepared.Row row, int offset) => (T)read.Value(row, offset);

    /// <summary>The row's values as they are now: what an update later compares with.</summary>
    public object?[] Snapshot(object entity) => snapshot(entity);

    /// <summary>The version a loaded row was read with.</summary>
    public long VersionOf(object?[] snapshot) => version < 0
        ? throw new InvalidOperationException($"\"{table}\" rows carry no version.")
        : (long)snapshot[version]!;

    public void SetVersion(object entity, long value) => setVersion!(entity, value);

    /// <summary>One INSERT of new rows (several rows in one statement: a step appends three history rows at once).</summary>
    public (string Sql, object?[] Values) Insert(IReadOnlyList<object> entities)
    {
        var values = new object?[entities.Count * columns.Length];
        for (var row = 0; row < entities.Count; row++)
        {
            var one = stored(entities[row]);
            for (var i = 0; i < one.Length; i++)
            {
                values[(row * columns.Length) + i] = one[i];
            }
        }

        return (insertSql.GetOrAdd(entities.Count, InsertSql), values);
    }

    private string InsertSql(int rows)
    {
        var sql = new StringBuilder("INSERT INTO \"").Append(table).Append("\" (")
            .AppendJoin(", ", columns.Select(c => $"\"{c}\"")).Append(") VALUES ");
        for (var row = 0; row < rows; row++)
        {
            sql.Append(row == 0 ? "(" : ", (");
            for (var i = 0; i < columns.Length; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append('?').Append((row * columns.Length) + i + 1);
            }

            sql.Append(')');
        }

        return sql.ToString();
    }

    /// <summary>
    /// The UPDATE of a loaded row's changed columns, which also moves its version on and matches only the version it
    /// was read with; null when nothing changed. The statement text is built once per set of changed columns.
    /// </summary>
    public (string Sql, object?[] Values)? Update(object entity, object?[] asRead)
    {
        var readVersion = VersionOf(asRead);
        if (key < 0)
        {
            throw new InvalidOperationException($"\"{table}\" rows are never updated.");
        }

        var now = snapshot(entity);
        var changed = 0UL;
        var count = 0;
        for (var i = 0; i < now.Length; i++)
        {
            if (i != version && i != key && !Equals(now[i], asRead[i]))
            {
                changed |= 1UL << i;
                count++;
            }
        }

        if (changed == 0)
        {
            return null;
        }

        var values = new object?[count + 3];
        var n = 0;
        for (var i = 0; i < now.Length; i++)
        {
            if ((changed & (1UL << i)) != 0)
            {
                values[n++] = Provider(i, now[i]);
            }
        }

        values[n++] = readVersion + 1;
        values[n++] = Provider(key, now[key]);
        values[n] = readVersion;
        var sql = updateSql.GetOrAdd(changed, UpdateSql);
        return (sql, values);
    }

    private string UpdateSql(ulong changed)
    {
        const char mark = '?';
        var sql = new StringBuilder("UPDATE \"").Append(table).Append("\" SET ");
        var n = 0;
        for (var i = 0; i < columns.Length; i++)
        {
            if ((changed & (1UL << i)) != 0)
            {
                sql.Append('"').Append(columns[i]).Append("\" = ").Append(mark).Append(++n).Append(", ");
            }
        }

        sql.Append('"').Append(columns[version]).Append("\" = ").Append(mark).Append(++n);
        sql.Append(" WHERE \"").Append(columns[key]).Append("\" = ").Append(mark).Append(++n);
        sql.Append(" AND \"").Append(columns[version]).Append("\" = ").Append(mark).Append(++n);
        return sql.ToString();
    }

    /// <summary>A value of the property named <paramref name="property"/> as the database stores it (a statement's parameter).</summary>
    public object? ToProvider(string property, object? value)
    {
        var index = Array.IndexOf(names, property);
        return index < 0 ? throw new ArgumentException($"\"{table}\" has no property {property}.", nameof(property)) : Provider(index, value);
    }

    /// <summary>A property's value as the database stores it.</summary>
    private object? Provider(int index, object? value) =>
        value is not null && converters[index] is { } converter ? converter.ConvertToProvider(value) : value;

    /// <summary>
    /// One compiled delegate reading every property of an entity into an array, boxed: as the CLR holds them (the
    /// snapshot an update compares with) or converted by each property's value converter as the database stores them
    /// (an insert's parameters).
    /// </summary>
    private static Func<object, object?[]> Values(Type clrType, IProperty[] properties, bool toProvider)
    {
        var entity = Expression.Parameter(typeof(object));
        var typed = Expression.Variable(clrType);
        var items = properties.Select(p =>
        {
            Expression value = Expression.Property(typed, p.PropertyInfo!);
            var converter = toProvider ? p.GetTypeMapping().Converter : null;
            return converter is null ? Box(value) : Converted(value, converter);
        });
        var body = Expression.Block([typed], Expression.Assign(typed, Expression.Convert(entity, clrType)), Expression.NewArrayInit(typeof(object), items));
        return Expression.Lambda<Func<object, object?[]>>(body, entity).Compile();
    }

    /// <summary>The converter's own expression applied to the value; null stays null (EF Core never converts nulls).</summary>
    private static Expression Converted(Expression value, ValueConverter converter)
    {
        var lambda = converter.ConvertToProviderExpression;
        var model = lambda.Parameters[0].Type;
        if (value.Type == model)
        {
            return Box(Expression.Invoke(lambda, value));
        }

        // A nullable struct (DateTimeOffset?) or a reference type the converter takes as is.
        var hasValue = value.Type.IsValueType ? (Expression)Expression.Property(value, "HasValue") : Expression.NotEqual(value, Expression.Constant(null, value.Type));
        var inner = value.Type.IsValueType ? Expression.Property(value, "Value") : value;
        return Expression.Condition(hasValue, Box(Expression.Invoke(lambda, Expression.Convert(inner, model))), Expression.Constant(null, typeof(object)));
    }

    private static Expression Box(Expression value) => Expression.Convert(value, typeof(object));

    /// <summary>
    /// One compiled delegate building an entity from a row's columns, each read as the provider stores it (text,
    /// integer, real or blob) and converted back by the property's value converter.
    /// </summary>
    private static Func<SqlitePrepared.Row, int, object> Reader(Type clrType, IProperty[] properties)
    {
        var row = Expression.Parameter(typeof(SqlitePrepared.Row));
        var offset = Expression.Parameter(typeof(int));
        var bindings = properties.Select((p, i) =>
        {
            var column = Expression.Add(offset, Expression.Constant(i));
            var converter = p.GetTypeMapping().Converter;
            var stored = converter?.ProviderClrType ?? p.ClrType;
            var storedType = Nullable.GetUnderlyingType(stored) ?? stored;
            Expression raw = storedType == typeof(string) ? Expression.Call(row, nameof(SqlitePrepared.Row.Text), null, column)
                : storedType == typeof(byte[]) ? Expression.Call(row, nameof(SqlitePrepared.Row.Blob), null, column)
                : storedType == typeof(double) || storedType == typeof(float) || storedType == typeof(decimal)
                    ? Expression.Convert(Expression.Call(row, nameof(SqlitePrepared.Row.Double), null, column), storedType)
                : storedType == typeof(bool) ? Expression.NotEqual(Expression.Call(row, nameof(SqlitePrepared.Row.Int64), null, column), Expression.Constant(0L))
                : Expression.Convert(Expression.Call(row, nameof(SqlitePrepared.Row.Int64), null, column), storedType);
            Expression value = converter is null ? raw : Expression.Invoke(converter.ConvertFromProviderExpression, raw);
            var target = p.ClrType;
            value = value.Type == target ? value : Expression.Convert(value, target);
            // Text and Blob already answer null for NULL; anything else that may be null asks first (one call per column).
            var readsNull = converter is null && (storedType == typeof(string) || storedType == typeof(byte[]));
            if (!readsNull && (!target.IsValueType || Nullable.GetUnderlyingType(target) is not null))
            {
                value = Expression.Condition(Expression.Call(row, nameof(SqlitePrepared.Row.IsNull), null, column), Expression.Default(target), value);
            }

            return (MemberBinding)Expression.Bind(p.PropertyInfo!, value);
        });
        var body = Expression.Convert(Expression.MemberInit(Expression.New(clrType), bindings), typeof(object));
        return Expression.Lambda<Func<SqlitePrepared.Row, int, object>>(body, row, offset).Compile();
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
