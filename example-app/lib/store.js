'use strict';

/**
 * A tiny in-memory "database". Both the plain Express routes in server.js and the route files
 * under app/ require this module; route handlers import it with a relative path and get the very
 * same instance (plain .js outside app/ is loaded by Node, not bundled into the route files).
 */

/**
 * @typedef {{ id: string, name: string, email: string, role: string, bio: string, createdAt: string }} User
 */

/** @type {User[]} */
var users = [];
var nextId = 1;
var stats = { requests: 0, startedAt: new Date().toISOString() };
/** @type {Record<string, number>} short-link visits, recorded by after() in app/api/go */
var visits = {};

/**
 * @param {{ name: string, email: string, role?: string, bio?: string }} fields
 * @returns {User}
 */
function addUser(fields) {
  var user = {
    id: String(nextId++),
    name: fields.name,
    email: fields.email,
    role: fields.role || 'member',
    bio: fields.bio || '',
    createdAt: new Date().toISOString(),
  };
  users.push(user);
  return user;
}

[
  ['Ada Lovelace', 'ada@example.com', 'admin', 'Wrote the first published algorithm for the Analytical Engine.'],
  ['Alan Turing', 'alan@example.com', 'member', 'Described the universal machine and broke Enigma at Bletchley Park.'],
  ['Grace Hopper', 'grace@example.com', 'admin', 'Built the first compiler and popularised machine-independent languages.'],
  ['Edsger Dijkstra', 'edsger@example.com', 'member', 'Shortest paths, semaphores, and a strong opinion about goto.'],
  ['Barbara Liskov', 'barbara@example.com', 'member', 'Data abstraction, CLU, and the substitution principle.'],
  ['Donald Knuth', 'don@example.com', 'member', 'The Art of Computer Programming, TeX, and literate programming.'],
  ['Margaret Hamilton', 'margaret@example.com', 'member', 'Led the Apollo on-board flight software team at MIT.'],
  ['Ken Thompson', 'ken@example.com', 'member', 'Unix, B, UTF-8 (with Rob Pike) and the Go language.'],
].forEach(function (row) {
  addUser({ name: row[0], email: row[1], role: row[2], bio: row[3] });
});

/** @returns {User[]} */
function listUsers() {
  return users.slice();
}

/**
 * @param {string} id
 * @returns {User | undefined}
 */
function getUser(id) {
  return users.find(function (user) {
    return user.id === id;
  });
}

/** @param {{ name: string, email: string, role?: string, bio?: string }} fields */
function createUser(fields) {
  return addUser(fields);
}

/**
 * @param {string} id
 * @param {{ name?: string, email?: string, role?: string, bio?: string }} changes
 * @returns {User | undefined}
 */
function updateUser(id, changes) {
  var user = getUser(id);
  if (!user) return undefined;
  ['name', 'email', 'role', 'bio'].forEach(function (key) {
    if (changes[key] !== undefined) user[key] = changes[key];
  });
  return user;
}

/** @param {string} id */
function deleteUser(id) {
  var index = users.findIndex(function (user) {
    return user.id === id;
  });
  if (index === -1) return false;
  users.splice(index, 1);
  return true;
}

/**
 * @typedef {{ sku: string, name: string, price: number, currency: string }} Product
 */

/** @type {Product[]} the catalogue served (and cached) by app/api/catalog/route.ts */
var products = [
  { sku: 'KB-01', name: 'Mechanical keyboard', price: 89, currency: 'EUR' },
  { sku: 'MS-02', name: 'Wireless mouse', price: 29, currency: 'EUR' },
  { sku: 'MN-27', name: '27" monitor', price: 249, currency: 'EUR' },
  { sku: 'HS-05', name: 'USB headset', price: 45, currency: 'EUR' },
];

/** @returns {Product[]} */
function listProducts() {
  return products.map(function (product) {
    return Object.assign({}, product);
  });
}

/**
 * @param {string} sku
 * @param {number} price
 * @returns {Product | undefined}
 */
function setPrice(sku, price) {
  var product = products.find(function (p) {
    return p.sku === sku;
  });
  if (product) product.price = price;
  return product;
}

/** @param {string} name */
function recordVisit(name) {
  visits[name] = (visits[name] || 0) + 1;
}

exports.stats = stats;
exports.visits = visits;
exports.recordVisit = recordVisit;
exports.listUsers = listUsers;
exports.getUser = getUser;
exports.createUser = createUser;
exports.updateUser = updateUser;
exports.deleteUser = deleteUser;
exports.listProducts = listProducts;
exports.setPrice = setPrice;
